// SPDX-License-Identifier: MIT
// + − ⊙ / and negation: elementwise, with numpy broadcasting where a dimension is
// statically 1. Their rewrite rules (identities, constant folding, cancellation)
// sit beside each op, because they run every time a node is built.
#pragma once

#include <array>
#include <type_traits>
#include <utility>

#include <typegrad/ad/cancel.hpp>
#include <typegrad/ops/broadcast.hpp>
#include <typegrad/ops/op_base.hpp>

namespace typegrad {

struct add_op;
struct sub_op;
struct mul_op;
struct div_op;
struct neg_op;

namespace detail {

template <class A, class B>
using lit_sum = rational<A::num * B::den + B::num * A::den, A::den * B::den>;
template <class A, class B>
using lit_diff = rational<A::num * B::den - B::num * A::den, A::den * B::den>;
template <class A, class B>
using lit_prod = rational<A::num * B::num, A::den * B::den>;
template <class A, class B>
using lit_quot = rational<A::num * B::den, A::den * B::num>;

template <class T>
inline constexpr bool is_zero_v = is_literal_value_v<T, 0>;
template <class T>
inline constexpr bool is_one_v = is_literal_value_v<T, 1>;

template <class T>
struct negated {};
template <class A>
struct negated<expr<neg_op, no_label, A>> {
    using type = A;
};
template <class T>
inline constexpr bool is_negation_v = requires { typename negated<T>::type; };

} // namespace detail

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
    static constexpr auto simplify(A);
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
    static constexpr auto simplify(A, B);
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
    static constexpr auto simplify(A, B);
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
    static constexpr auto simplify(A, B);
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
    static constexpr auto simplify(A, B);
};

// The user-facing operators: any two nodes.
template <node A, node B>
constexpr auto operator+(A a, B b) { return make<add_op>(a, b); }
template <node A, node B>
constexpr auto operator-(A a, B b) { return make<sub_op>(a, b); }
template <node A, node B>
constexpr auto operator*(A a, B b) { return make<mul_op>(a, b); }
template <node A, node B>
constexpr auto operator/(A a, B b) { return make<div_op>(a, b); }
template <node A>
constexpr auto operator-(A a) { return make<neg_op>(a); }

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

// --- rewrite rules ---------------------------------------------------------------

template <class A>
constexpr auto neg_op::simplify(A) {
    if constexpr (is_literal_v<A>) return rational<-A::num, A::den>{};                 // −c folds
    else if constexpr (detail::is_negation_v<A>) return typename detail::negated<A>::type{}; // −(−a) = a
    else if constexpr (is_op_v<A, sub_op> && !has_label_v<A>)                        // −(a − b) = b − a
        return make<sub_op>(operand<1>(A{}), operand<0>(A{}));
    else return expr<neg_op, no_label, A>{};
}

template <class A, class B>
constexpr auto add_op::simplify(A, B) {
    if constexpr (is_literal_v<A> && is_literal_v<B>) return detail::lit_sum<A, B>{};
    else if constexpr (detail::is_zero_v<A>) return B{};                         // 0 + b = b
    else if constexpr (detail::is_zero_v<B>) return A{};                         // a + 0 = a
    else if constexpr (detail::is_negation_v<B>)                                 // a + (−b) = a − b
        return make<sub_op>(A{}, typename detail::negated<B>::type{});
    else if constexpr (detail::is_negation_v<A>)                                 // (−a) + b = b − a
        return make<sub_op>(B{}, typename detail::negated<A>::type{});
    else if constexpr (std::is_same_v<A, B>) return make<mul_op>(literal<2>{}, A{}); // a + a = 2a
    else return expr<add_op, no_label, A, B>{};
}

template <class A, class B>
constexpr auto sub_op::simplify(A, B) {
    if constexpr (is_literal_v<A> && is_literal_v<B>) return detail::lit_diff<A, B>{};
    else if constexpr (detail::is_zero_v<B>) return A{};                         // a − 0 = a
    else if constexpr (detail::is_zero_v<A>) return make<neg_op>(B{});           // 0 − b = −b
    else if constexpr (detail::is_negation_v<B>)                                 // a − (−b) = a + b
        return make<add_op>(A{}, typename detail::negated<B>::type{});
    else if constexpr (std::is_same_v<A, B> && is_scalar_v<A>) return literal<0>{}; // a − a = 0
    else return expr<sub_op, no_label, A, B>{};
}

template <class A, class B>
constexpr auto mul_op::simplify(A, B) {
    if constexpr (is_literal_v<A> && is_literal_v<B>) return detail::lit_prod<A, B>{};
    // Zero absorbs whatever the shape: a zero adjoint sums or broadcasts to zero.
    else if constexpr (detail::is_zero_v<A> || detail::is_zero_v<B>) return literal<0>{};
    else if constexpr (detail::is_one_v<A>) return B{};                          // 1 ⊙ b = b
    else if constexpr (detail::is_one_v<B>) return A{};                          // a ⊙ 1 = a
    else if constexpr (is_literal_value_v<A, -1>) return make<neg_op>(B{});      // (−1) ⊙ b = −b
    else if constexpr (is_literal_value_v<B, -1>) return make<neg_op>(A{});
    else if constexpr (detail::is_negation_v<A>)                                 // (−a) ⊙ b = −(a ⊙ b)
        return make<neg_op>(make<mul_op>(typename detail::negated<A>::type{}, B{}));
    else if constexpr (detail::is_negation_v<B>)
        return make<neg_op>(make<mul_op>(A{}, typename detail::negated<B>::type{}));
    else if constexpr (is_literal_v<B>) return make<mul_op>(B{}, A{});           // constants to the front
    else if constexpr (!std::is_void_v<typename detail::cancelled<expr<mul_op, no_label, A, B>>::type>)
        return typename detail::cancelled<expr<mul_op, no_label, A, B>>::type{}; // (n / d) ⊙ d = n
    else return expr<mul_op, no_label, A, B>{};
}

template <class A, class B>
constexpr auto div_op::simplify(A, B) {
    if constexpr (is_literal_v<A> && is_literal_v<B>) {
        static_assert(B::num != 0, "typegrad: division by the literal 0");
        return detail::lit_quot<A, B>{};
    } else if constexpr (detail::is_zero_v<A>) return literal<0>{};              // 0 / b = 0
    else if constexpr (detail::is_one_v<B>) return A{};                          // a / 1 = a
    else if constexpr (detail::is_negation_v<A>)                                 // (−a) / b = −(a / b)
        return make<neg_op>(make<div_op>(typename detail::negated<A>::type{}, B{}));
    else if constexpr (!std::is_void_v<typename detail::cancelled<expr<div_op, no_label, A, B>>::type>)
        return typename detail::cancelled<expr<div_op, no_label, A, B>>::type{}; // (n ⊙ d) / d = n
    else return expr<div_op, no_label, A, B>{};
}

// Literals: tg::lit<1>, tg::lit<1, 2>, and with `using namespace typegrad::literals`,
// 1_c, 0.5_c.
template <long long Num, long long Den = 1>
inline constexpr rational<Num, Den> lit{};

namespace literals {
namespace detail {
template <char... Cs>
constexpr std::pair<long long, long long> parse_decimal() {
    long long num = 0, den = 1;
    bool fraction = false;
    for (char c : {Cs...}) {
        if (c == '.') { fraction = true; continue; }
        if (c == '\'') continue;
        num = num * 10 + (c - '0');
        if (fraction) den *= 10;
    }
    return {num, den};
}
} // namespace detail

template <char... Cs>
constexpr auto operator""_c() {
    constexpr auto v = detail::parse_decimal<Cs...>();
    return rational<v.first, v.second>{};
}
} // namespace literals

} // namespace typegrad
