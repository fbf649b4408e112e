// SPDX-License-Identifier: MIT
// Elementwise functions: exp, log, sqrt, square, pow with a literal exponent,
// sin, cos. Each derivative is written in the DSL beside its forward rule.
#pragma once

#include <cmath>

#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/math.hpp>

namespace typegrad {

struct exp_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "exp";
    template <class T>
    static T apply(T a) { return math::exp(a); }
    // exp(a)′ = g ⊙ exp(a), the node's own value
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) { return g * self; }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("exp", "\\exp", a[0], s); }
};

struct log_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "log";
    template <class T>
    static T apply(T a) { return math::log(a); }
    // log(a)′ = g / a
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) { return g / operand<0>(self); }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("log", "\\log", a[0], s); }
};

struct sqrt_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "sqrt";
    template <class T>
    static T apply(T a) { return math::sqrt(a); }
    // √a′ = g / (2 √a)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) { return g / (literal<2>{} * self); }
    static printed print(const std::array<printed, 1>& a, style s) {
        if (s == style::latex) return {"\\sqrt{" + a[0].text + "}", prec::postfix};
        return print_call("√", "", a[0], s);
    }
};

struct square_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "square";
    template <class T>
    static T apply(T a) { return a * a; }
    // (a²)′ = g ⊙ 2a
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) { return g * (literal<2>{} * operand<0>(self)); }
    static printed print(const std::array<printed, 1>& a, style s) {
        return {parenthesize(a[0], prec::postfix + 1, s) + (s == style::latex ? "^{2}" : "²"), prec::postfix};
    }
};

template <long long Num, long long Den>
struct pow_op : unary_elementwise {
    static constexpr std::string_view name = "pow";
    template <class T>
    static T apply(T a) { return std::pow(a, T(Num) / T(Den)); }
    // (aᵖ)′ = g ⊙ p aᵖ⁻¹
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        std::string p = Den == 1 ? std::to_string(Num) : std::to_string(Num) + "/" + std::to_string(Den);
        if (s == style::latex) return {parenthesize(a[0], prec::postfix + 1, s) + "^{" + p + "}", prec::postfix};
        return {parenthesize(a[0], prec::postfix + 1, s) + "^(" + p + ")", prec::postfix};
    }
};

struct sin_op : unary_elementwise {
    static constexpr std::string_view name = "sin";
    template <class T>
    static T apply(T a) { return std::sin(a); }
    // sin(a)′ = g ⊙ cos(a)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("sin", "\\sin", a[0], s); }
};

struct cos_op : unary_elementwise {
    static constexpr std::string_view name = "cos";
    template <class T>
    static T apply(T a) { return std::cos(a); }
    // cos(a)′ = −g ⊙ sin(a)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("cos", "\\cos", a[0], s); }
};

template <node A>
constexpr auto exp(A a) { return make<exp_op>(a); }
template <node A>
constexpr auto log(A a) { return make<log_op>(a); }
template <node A>
constexpr auto sqrt(A a) { return make<sqrt_op>(a); }
template <node A>
constexpr auto square(A a) { return make<square_op>(a); }
template <node A>
constexpr auto sin(A a) { return make<sin_op>(a); }
template <node A>
constexpr auto cos(A a) { return make<cos_op>(a); }

// pow(a, 3_c), pow(a, lit<1, 2>): the exponent is a compile-time rational.
template <node A, long long Num, long long Den>
constexpr auto pow(A a, literal<Num, Den>) {
    using p = rational<Num, Den>;
    if constexpr (p::num == 1 && p::den == 1) return a;
    else if constexpr (p::num == 2 && p::den == 1) return square(a);
    else if constexpr (p::num == 1 && p::den == 2) return sqrt(a);
    else return make<pow_op<p::num, p::den>>(a);
}

template <long long Num, long long Den>
template <std::size_t K, class Self, class G>
constexpr auto pow_op<Num, Den>::vjp(Self self, G g) {
    using p = literal<Num, Den>;
    return g * (p{} * pow(operand<0>(self), rational<p::num - p::den, p::den>{}));
}

template <std::size_t K, class Self, class G>
constexpr auto sin_op::vjp(Self self, G g) { return g * cos(operand<0>(self)); }

template <std::size_t K, class Self, class G>
constexpr auto cos_op::vjp(Self self, G g) { return -(g * sin(operand<0>(self))); }

} // namespace typegrad
