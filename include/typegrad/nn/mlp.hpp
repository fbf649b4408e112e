// SPDX-License-Identifier: MIT
// The seed's multilayer perceptron at any depth, generated at compile time with
// the seed's names: weights W1..WD, biases b1..bD, activations a2..a(D+1), so the
// printed gradient reads δ(D+1) = a(D+1) − y, δD = (WDᵀ δ(D+1)) ⊙ aD ⊙ (1 − aD), ...
#pragma once

#include <utility>

#include <typegrad/ops/losses.hpp>
#include <typegrad/nn/layers.hpp>

namespace typegrad::nn {

enum class hidden_activation { sigmoid, tanh, relu };
enum class output_head { sigmoid_bce, softmax_ce };

template <hidden_activation H, node Z>
constexpr auto activate(Z z) {
    if constexpr (H == hidden_activation::sigmoid) return sigmoid(z);
    else if constexpr (H == hidden_activation::tanh) return typegrad::tanh(z);
    else return relu(z);
}

template <std::size_t L>
inline constexpr auto weight = var<fixed_string("W") + to_fixed_string<L>()>;
template <std::size_t L>
inline constexpr auto bias = col<fixed_string("b") + to_fixed_string<L>()>;

// The network of Depth weight layers on input x: the output layer's pre-activation.
template <std::size_t Depth, hidden_activation H, std::size_t L = 1, node A>
constexpr auto mlp_logits(A a) {
    constexpr auto z = matmul(weight<L>, a) + bias<L>;
    if constexpr (L == Depth) return z;
    else return mlp_logits<Depth, H, L + 1>(name<fixed_string("a") + to_fixed_string<L + 1>()>(activate<H>(z)));
}

// J for a network of Depth weight layers: sigmoid outputs with binary
// cross-entropy, or softmax outputs with cross-entropy; inputs x, targets y.
template <std::size_t Depth, hidden_activation H, output_head O>
constexpr auto mlp_loss() {
    static_assert(Depth >= 1, "typegrad: mlp_loss<Depth, ...> requires at least one layer");
    constexpr auto x = var<"x">;
    constexpr auto y = var<"y">;
    constexpr auto z = mlp_logits<Depth, H>(x);
    if constexpr (O == output_head::sigmoid_bce)
        return name<"J">(binary_cross_entropy(name<fixed_string("a") + to_fixed_string<Depth + 1>()>(sigmoid(z)), y));
    else return name<"J">(softmax_cross_entropy(name<fixed_string("z") + to_fixed_string<Depth + 1>()>(z), y));
}

// The gradient of mlp_loss with respect to W1, b1, ..., WD, bD.
template <std::size_t Depth, hidden_activation H, output_head O>
constexpr auto mlp_gradient() {
    return []<std::size_t... L>(std::index_sequence<L...>) {
        return grad(mlp_loss<Depth, H, O>(), weight<L + 1>..., bias<L + 1>...);
    }(std::make_index_sequence<Depth>{});
}

} // namespace typegrad::nn
