// SPDX-License-Identifier: MIT
// + − ⊙ / and negation: elementwise, with numpy broadcasting where a dimension is
// statically 1. Their rewrite rules (identities, constant folding, canonical
// order, cancellation) live in simplify/arithmetic.hpp; each op's `rewrite`
// hands its operands to them, because they run every time a node is built.
#pragma once

#include <array>
#include <type_traits>
#include <utility>

#include <typegrad/expr/constants.hpp>
#include <typegrad/expr/literals.hpp>
#include <typegrad/ops/broadcast.hpp>
#include <typegrad/ops/op_base.hpp>
#include <typegrad/simplify/arithmetic.hpp>

namespace typegrad {

struct add_op;
struct sub_op;
struct mul_op;
struct div_op;
struct neg_op;

// The ops the rewrite rules build with (simplify/arithmetic.hpp).
struct arithmetic_ops {
    using add = add_op;
    using sub = sub_op;
    using mul = mul_op;
    using div = div_op;
    using neg = neg_op;
    using expand = expand_op;
};

template <>
inline constexpr bool detail::is_quotient_op<div_op> = true;

struct neg_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "negation";
    template <class T>
    static T apply(T a) { return -a; }
    // (−a)′ = −g
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return {(s == style::latex ? "-" : "−") + parenthesize(a[0], prec::neg + 1, s), prec::neg};
    }
    template <class A>
    using rewrite = typename detail::negation_rule<arithmetic_ops, A>::type;
};

struct add_op : binary_elementwise<add_op> {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "+";
    template <class T>
    static T apply(T a, T b) { return a + b; }
    // (a + b)′ = (g, g); broadcasting is undone by the derivation's shape fit.
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g) { return g; }
    static printed print(const std::array<printed, 2>& a, style s) {
        return {parenthesize(a[0], prec::add, s) + " + " + parenthesize(a[1], prec::add + 1, s), prec::add};
    }
    template <class A, class B>
    using rewrite = typename detail::sum_rule<arithmetic_ops, A, B>::type;
};

struct sub_op : binary_elementwise<sub_op> {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "−";
    template <class T>
    static T apply(T a, T b) { return a - b; }
    // (a − b)′ = (g, −g)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 2>& a, style s) {
        const char* minus = s == style::latex ? " - " : " − ";
        return {parenthesize(a[0], prec::add, s) + minus + parenthesize(a[1], prec::add + 1, s), prec::add};
    }
    template <class A, class B>
    using rewrite = typename detail::difference_rule<arithmetic_ops, A, B>::type;
};

struct mul_op : binary_elementwise<mul_op> {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "⊙";
    template <class T>
    static T apply(T a, T b) { return a * b; }
    // (a ⊙ b)′ = (g ⊙ b, g ⊙ a)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 2>& a, style s);
    template <class A, class B>
    using rewrite = typename detail::product_rule<arithmetic_ops, A, B>::type;
};

struct div_op : binary_elementwise<div_op> {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "/";
    template <class T>
    static T apply(T a, T b) { return a / b; }
    // (a / b)′ = (g / b, −(g ⊙ a) / (b ⊙ b))
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 2>& a, style s) {
        if (s == style::latex) return {"\\frac{" + a[0].text + "}{" + a[1].text + "}", prec::postfix};
        return {parenthesize(a[0], prec::mul, s) + " / " + parenthesize(a[1], prec::neg, s), prec::mul};
    }
    template <class A, class B>
    using rewrite = typename detail::quotient_rule<arithmetic_ops, A, B>::type;
};

// The user-facing operators: any two nodes.
// (The node in the body, not in the declared return type: overload resolution of any
// a + b in this namespace would otherwise run the rules on non-nodes, std::string
// + const char* included, under a compiler that substitutes the return type before it
// checks the `node` constraint.)
template <node A, node B>
constexpr auto operator+(A, B) { return made<add_op, A, B>{}; }
template <node A, node B>
constexpr auto operator-(A, B) { return made<sub_op, A, B>{}; }
template <node A, node B>
constexpr auto operator*(A, B) { return made<mul_op, A, B>{}; }
template <node A, node B>
constexpr auto operator/(A, B) { return made<div_op, A, B>{}; }
template <node A>
constexpr auto operator-(A) { return made<neg_op, A>{}; }

// --- vector-Jacobian products --------------------------------------------------

template <std::size_t K, class Self, class G>
constexpr auto neg_op::vjp(Self, G g) { return -g; }

template <std::size_t K, class Self, class G>
constexpr auto sub_op::vjp(Self, G g) {
    if constexpr (K == 0) return g;
    else return -g;
}

template <std::size_t K, class Self, class G>
constexpr auto mul_op::vjp(Self self, G g) {
    if constexpr (K == 0) return g * operand<1>(self);
    else return g * operand<0>(self);
}

template <std::size_t K, class Self, class G>
constexpr auto div_op::vjp(Self self, G g) {
    constexpr auto a = operand<0>(self);
    constexpr auto b = operand<1>(self);
    if constexpr (K == 0) return g / b;
    else return -((g * a) / (b * b));
}

inline printed mul_op::print(const std::array<printed, 2>& a, style s) {
    // ⊙ is associative: a chain prints flat, a ⊙ b ⊙ c.
    // A matrix product inside ⊙ keeps its parentheses: (W2ᵀ δ3) ⊙ a2.
    const char* dot = s == style::latex ? " \\odot " : " ⊙ ";
    auto operand = [&](const printed& p) {
        return parenthesize(p, p.precedence == prec::matmul ? prec::neg : prec::mul, s);
    };
    return {operand(a[0]) + dot + operand(a[1]), prec::mul};
}

} // namespace typegrad
