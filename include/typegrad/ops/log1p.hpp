// SPDX-License-Identifier: MIT
// log1p(x) = log(1 + x) and expm1(x) = eˣ − 1, accurate where x is near 0 (where
// log(1 + x) and exp(x) − 1 lose every digit of a tiny x).
#pragma once

#include <cmath>

#include <typegrad/ops/functions.hpp>

namespace typegrad {

struct log1p_op : unary_elementwise {
    static constexpr std::string_view name = "log1p";
    template <class T>
    static T apply(T a) { return std::log1p(a); }
    // log1p(a)′ = g / (1 + a)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) { return g / (literal<1>{} + operand<0>(self)); }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("log1p", "\\operatorname{log1p}", a[0], s); }
};

struct expm1_op : unary_elementwise {
    static constexpr std::string_view name = "expm1";
    template <class T>
    static T apply(T a) { return std::expm1(a); }
    // expm1(a)′ = g ⊙ exp(a)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) { return g * exp(operand<0>(self)); }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("expm1", "\\operatorname{expm1}", a[0], s); }
};

template <node A>
constexpr auto log1p(A a) { return make<log1p_op>(a); }
template <node A>
constexpr auto expm1(A a) { return make<expm1_op>(a); }

} // namespace typegrad
