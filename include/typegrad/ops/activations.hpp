// SPDX-License-Identifier: MIT
// Activations: sigmoid, tanh, relu, softplus, and the step function relu's
// derivative needs. Derivatives are expressed through the cached output where the
// seed does so (σ′ = a(1 − a), tanh′ = 1 − a²), so the backward pass reads the
// forward activations instead of recomputing them.
#pragma once

#include <typegrad/ops/functions.hpp>

namespace typegrad {

struct sigmoid_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "sigmoid";
    template <class T>
    static T apply(T a) { return T(1) / (T(1) + math::exp(-a)); }
    // σ(z)′ = g ⊙ a ⊙ (1 − a), with a = σ(z) the node itself
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self a, G g) { return g * (a * (literal<1>{} - a)); }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("σ", "\\sigma", a[0], s); }
};

struct tanh_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "tanh";
    template <class T>
    static T apply(T a) { return math::tanh(a); }
    // tanh(z)′ = g ⊙ (1 − a²), with a = tanh(z)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self a, G g) { return g * (literal<1>{} - square(a)); }
    static printed print(const std::array<printed, 1>& a, style s) { return print_call("tanh", "\\tanh", a[0], s); }
};

// step(a) = 1 where a > 0, else 0. Its derivative is zero almost everywhere.
struct step_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "step";
    template <class T>
    static T apply(T a) { return math::select(a > T(0), T(1), T(0)); }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G) { return literal<0>{}; }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("𝟙", "\\mathbb{1}", {a[0].text + (s == style::latex ? " > 0" : " > 0"), prec::atom}, s);
    }
};

struct relu_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "relu";
    template <class T>
    static T apply(T a) { return math::select(a > T(0), a, T(0)); }
    // relu(z)′ = g ⊙ 𝟙(a > 0), with a = relu(z): a > 0 exactly where z > 0
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self a, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("relu", "\\operatorname{relu}", a[0], s);
    }
};

struct softplus_op : unary_elementwise {
    static constexpr bool vectorized = true;
    static constexpr std::string_view name = "softplus";
    // log(1 + eᶻ) = max(z, 0) + log1p(e^−|z|), finite for any z
    template <class T>
    static T apply(T a) {
        return math::select(a > T(0), a, T(0)) + math::log1p(math::exp(-math::abs(a)));
    }
    // softplus(z)′ = g ⊙ σ(z)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("softplus", "\\operatorname{softplus}", a[0], s);
    }
};

template <node A>
constexpr auto sigmoid(A a) { return make<sigmoid_op>(a); }
template <node A>
constexpr auto tanh(A a) { return make<tanh_op>(a); }
template <node A>
constexpr auto relu(A a) { return make<relu_op>(a); }
template <node A>
constexpr auto step(A a) { return make<step_op>(a); }
template <node A>
constexpr auto softplus(A a) { return make<softplus_op>(a); }

template <std::size_t K, class Self, class G>
constexpr auto relu_op::vjp(Self a, G g) { return g * step(a); }

template <std::size_t K, class Self, class G>
constexpr auto softplus_op::vjp(Self self, G g) { return g * sigmoid(operand<0>(self)); }

} // namespace typegrad
