// SPDX-License-Identifier: MIT
// The activations and output heads a network can have, named once for all of typegrad:
// the DSL layers (nn::activation_layer<activation::relu>, nn::mlp<..., head::softmax_ce>),
// the hand-written reference (reference::mlp), the gradient checker and the trainer all
// take these values. This header is plain C++ (no DSL), so compiled code that never
// parses an expression can include it.
#pragma once

#include <optional>
#include <string_view>

namespace typegrad::nn {

// g of the hidden layers.
enum class activation { sigmoid, tanh, relu };

// The last layer and its cost, fused as the seed derives them:
//   sigmoid_bce: a = σ(z), J = −(1/m) Σ [y log a + (1−y) log(1−a)]
//   softmax_ce:  a = softmax(z) over each column, J = −(1/m) Σ y log a
// Both backpropagate δ(last) = a − y; for softmax_ce that is the gradient only when each
// column of y sums to 1 (one-hot or a probability vector).
enum class head { sigmoid_bce, softmax_ce };

inline constexpr activation activations[] = {activation::sigmoid, activation::tanh, activation::relu};
inline constexpr head heads[] = {head::sigmoid_bce, head::softmax_ce};

// The names used on command lines and in reports: "sigmoid", "tanh", "relu";
// "sigmoid-bce", "softmax-ce".
constexpr std::string_view to_string(activation a) {
    switch (a) {
    case activation::sigmoid: return "sigmoid";
    case activation::tanh: return "tanh";
    case activation::relu: return "relu";
    }
    return "?";
}

constexpr std::string_view to_string(head h) {
    switch (h) {
    case head::sigmoid_bce: return "sigmoid-bce";
    case head::softmax_ce: return "softmax-ce";
    }
    return "?";
}

// The inverse of to_string; nullopt for a name that is not one of them.
constexpr std::optional<activation> activation_named(std::string_view name) {
    for (activation a : activations)
        if (to_string(a) == name) return a;
    return std::nullopt;
}

constexpr std::optional<head> head_named(std::string_view name) {
    for (head h : heads)
        if (to_string(h) == name) return h;
    return std::nullopt;
}

} // namespace typegrad::nn
