// SPDX-License-Identifier: MIT
// A classifier built from layers: the model's logits, its loss and its gradient
// with respect to every parameter the layers declare, all as compile-time values.
//
//   using model = nn::sequential<nn::dense<"fc1">, nn::relu_layer, nn::dense<"fc2">>;
//   constexpr auto dJ = nn::classifier<model>::gradient;   // ∂J/∂fc1.W, ∂J/∂fc1.b, ...
#pragma once

#include <typegrad/ad/grad.hpp>
#include <typegrad/nn/layers.hpp>
#include <typegrad/ops/losses.hpp>

namespace typegrad::nn {

// fc1, fc2, ...: dense layers named by their position.
template <std::size_t L>
using fc = dense<fixed_string("fc") + to_fixed_string<L>()>;

namespace detail {
template <class Layers, class Next>
struct append_layer;
template <class... L, class Next>
struct append_layer<sequential<L...>, Next> {
    using type = sequential<L..., Next>;
};

template <std::size_t Depth, class Activation, std::size_t L = 1, class Acc = sequential<>>
struct dense_stack {
    using with_layer = typename append_layer<Acc, fc<L>>::type;
    using activation = named<fixed_string("h") + to_fixed_string<L>(), Activation>; // hidden output hL
    using type = typename dense_stack<Depth, Activation, L + 1,
                                      typename append_layer<with_layer, activation>::type>::type;
};
template <std::size_t Depth, class Activation, class Acc>
struct dense_stack<Depth, Activation, Depth, Acc> {
    using type = typename append_layer<Acc, fc<Depth>>::type;
};
} // namespace detail

// fc1, h1 = activation, fc2, h2 = activation, ..., fcDepth: Depth dense layers,
// logits out; the hidden outputs are named h1, h2, ... for the printer.
template <std::size_t Depth, class Activation>
using dense_stack = typename detail::dense_stack<Depth, Activation>::type;

// A model trained with softmax cross-entropy on inputs x (features × batch) and
// one-hot targets y (classes × batch).
template <class Model>
struct classifier {
    static constexpr auto x = var<"x">;
    static constexpr auto y = var<"y">;
    static constexpr auto logits = name<"z">(Model{}(x));
    static constexpr auto loss = name<"J">(softmax_cross_entropy(logits, y));
    using parameters = typename Model::parameters;
    static constexpr auto gradient = []<class... P>(meta::type_list<P...>) { return grad(loss, P{}...); }(parameters{});
};

} // namespace typegrad::nn
