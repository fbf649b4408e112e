// SPDX-License-Identifier: MIT
// Piecewise functions with kinks: abs (and sign, its derivative), maximum, minimum,
// clamp, leaky_relu, elu. Each VJP picks one subgradient at a kink, through a mask:
//   abs′(0) = sign(0) = 0;
//   maximum(a, b) and minimum(a, b) give a tie (a = b) to their first operand;
//   clamp(x, lo, hi) = minimum(maximum(x, lo), hi), so at x = lo or x = hi the
//   gradient goes to x;
//   leaky_relu′(0) = slope, like relu′(0) = 0 (the step 𝟙(x > 0) is 0 at 0).
// elu (α = 1) has no kink in its first derivative: elu′ = 1 + min(elu(x), 0).
#pragma once

#include <cmath>

#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/compare.hpp>

namespace typegrad {

// sign(a) ∈ {−1, 0, 1}: abs's derivative, itself constant almost everywhere.
struct sign_op : unary_elementwise {
    static constexpr std::string_view name = "sign";
    template <class T>
    static T apply(T a) { return a > T(0) ? T(1) : a < T(0) ? T(-1) : T(0); }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G) { return literal<0>{}; }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("sign", "\\operatorname{sign}", a[0], s); }
};

struct abs_op : unary_elementwise {
    static constexpr std::string_view name = "abs";
    template <class T>
    static T apply(T a) { return std::abs(a); }
    // |a|′ = g ⊙ sign(a)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        if (s == style::latex) return {"\\left|" + a[0].text + "\\right|", prec::atom};
        return {"|" + a[0].text + "|", prec::atom};
    }
};

struct maximum_op : binary_elementwise<maximum_op> {
    static constexpr std::string_view name = "maximum";
    template <class T>
    static T apply(T a, T b) { return a >= b ? a : b; }
    // max(a, b)′ = (g ⊙ 𝟙(a ≥ b), g ⊙ 𝟙(a < b)): a tie goes to a
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        if constexpr (K == 0) return g * (operand<0>(self) >= operand<1>(self));
        else return g * (operand<0>(self) < operand<1>(self));
    }
    static printed print(const std::array<printed, 2>& a, style s) { return print_call("max", "\\max", a[0], a[1], s); }
};

struct minimum_op : binary_elementwise<minimum_op> {
    static constexpr std::string_view name = "minimum";
    template <class T>
    static T apply(T a, T b) { return a <= b ? a : b; }
    // min(a, b)′ = (g ⊙ 𝟙(a ≤ b), g ⊙ 𝟙(a > b)): a tie goes to a
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        if constexpr (K == 0) return g * (operand<0>(self) <= operand<1>(self));
        else return g * (operand<0>(self) > operand<1>(self));
    }
    static printed print(const std::array<printed, 2>& a, style s) { return print_call("min", "\\min", a[0], a[1], s); }
};

// leaky_relu(x, slope): x where x > 0, slope·x elsewhere; the slope is a literal.
template <long long Num, long long Den>
struct leaky_relu_op : unary_elementwise {
    static constexpr std::string_view name = "leaky_relu";
    template <class T>
    static T apply(T a) { return a > T(0) ? a : T(Num) / T(Den) * a; }
    // leaky_relu(x)′ = g ⊙ (slope + (1 − slope) ⊙ 𝟙(x > 0))
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        using slope = literal<Num, Den>;
        return g * (slope{} + (literal<1>{} - slope{}) * step(operand<0>(self)));
    }
    static printed print(const std::array<printed, 1>& a, style s) {
        const std::string slope = detail::rational_text(Num, Den, s);
        if (s == style::latex) return {"\\operatorname{leaky\\_relu}_{" + slope + "}\\left(" + a[0].text + "\\right)", prec::postfix};
        return {"leaky_relu(" + a[0].text + ", " + slope + ")", prec::postfix};
    }
};

// elu(x) = x where x > 0, eˣ − 1 elsewhere (α = 1).
struct elu_op : unary_elementwise {
    static constexpr std::string_view name = "elu";
    template <class T>
    static T apply(T a) { return a > T(0) ? a : std::expm1(a); }
    // elu′ = 1 for x > 0 and eˣ = elu(x) + 1 elsewhere: g ⊙ (1 + min(elu(x), 0))
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("elu", "\\operatorname{elu}", a[0], s); }
};

template <node A>
constexpr auto sign(A a) { return make<sign_op>(a); }
template <node A>
constexpr auto abs(A a) { return make<abs_op>(a); }
template <node A, node B>
constexpr auto maximum(A a, B b) { return make<maximum_op>(a, b); }
template <node A, node B>
constexpr auto minimum(A a, B b) { return make<minimum_op>(a, b); }
template <node X, node Lo, node Hi>
constexpr auto clamp(X x, Lo lo, Hi hi) { return minimum(maximum(x, lo), hi); }
template <node A, long long Num, long long Den>
constexpr auto leaky_relu(A a, literal<Num, Den>) {
    using slope = rational<Num, Den>;
    return make<leaky_relu_op<slope::num, slope::den>>(a);
}
template <node A>
constexpr auto elu(A a) { return make<elu_op>(a); }

template <std::size_t K, class Self, class G>
constexpr auto abs_op::vjp(Self self, G g) { return g * sign(operand<0>(self)); }

template <std::size_t K, class Self, class G>
constexpr auto elu_op::vjp(Self self, G g) { return g * (literal<1>{} + minimum(self, literal<0>{})); }

} // namespace typegrad
