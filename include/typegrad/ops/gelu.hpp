// SPDX-License-Identifier: MIT
// gelu, the tanh form: gelu(x) = ½ x (1 + tanh(c (x + k x³))), c = √(2/π), k = 0.044715.
// Its VJP is written in the DSL (tanh, pow, the constant c), so it has every
// higher derivative.
#pragma once

#include <cmath>

#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/constants.hpp>

namespace typegrad {

struct gelu_op : unary_elementwise {
    static constexpr std::string_view name = "gelu";
    using k = literal<8943, 200000>; // 0.044715
    template <class T>
    static T apply(T x) {
        const T c = constants::sqrt_2_over_pi::value<T>();
        return T(0.5) * x * (T(1) + std::tanh(c * (x + k::value<T>() * x * x * x)));
    }
    // gelu′ = ½ (1 + t) + ½ x (1 − t²) c (1 + 3k x²), t = tanh(c (x + k x³))
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        constexpr auto x = operand<0>(self);
        constexpr auto t = tanh(sqrt_2_over_pi * (x + k{} * pow(x, literal<3>{})));
        constexpr auto half = literal<1, 2>{};
        return g * (half * (literal<1>{} + t) +
                    half * x * (literal<1>{} - square(t)) * sqrt_2_over_pi * (literal<1>{} + literal<3>{} * k{} * square(x)));
    }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("gelu", "\\operatorname{gelu}", a[0], s); }
};

template <node A>
constexpr auto gelu(A a) { return make<gelu_op>(a); }

} // namespace typegrad
