// SPDX-License-Identifier: MIT
// A classifier built from layers: the model's logits, its loss and its gradient
// with respect to every parameter the layers declare, all as compile-time values.
// nn::mlp is the multilayer perceptron of the whole project (the trainer, the gradient
// checker, the benchmarks), with the parameter names PyTorch shows: fc1.W, fc1.b, ...
//
//   using model = nn::sequential<nn::dense<"fc1">, nn::relu_layer, nn::dense<"fc2">>;
//   constexpr auto dJ = nn::classifier<model>::gradient;   // ∂J/∂fc1.W, ∂J/∂fc1.b, ...
//   using net = nn::mlp<3, nn::activation::relu, nn::head::softmax_ce>;   // fc1 .. fc3
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

// The loss of a head on logits z (classes × batch) and targets y: softmax_ce takes
// one-hot (or probability) columns, sigmoid_bce targets in [0, 1]. The names z, a and J
// are what the printer shows: the derived δ reads softmax(z) − y or a − y.
template <head H, node Z, node Y>
constexpr auto head_loss(Z z, Y y) {
    if constexpr (H == head::softmax_ce) return name<"J">(softmax_cross_entropy(z, y));
    else return name<"J">(binary_cross_entropy(name<"a">(sigmoid(z)), y));
}

// A model trained with a head (softmax cross-entropy unless told otherwise) on inputs
// x (features × batch) and targets y (classes × batch).
template <class Model, head H = head::softmax_ce>
struct classifier {
    static constexpr nn::head head = H;
    static constexpr auto x = var<"x">;
    static constexpr auto y = var<"y">;
    static constexpr auto logits = name<"z">(Model{}(x));
    static constexpr auto loss = head_loss<H>(logits, y);
    using parameters = typename Model::parameters;
    using masks = masks_of_t<Model>; // dropout layers (nn/dropout.hpp): bind their masks too
    static constexpr auto gradient = []<class... P>(meta::type_list<P...>) { return grad(loss, P{}...); }(parameters{});
};

// The multilayer perceptron of Depth dense layers fc1 .. fcDepth with activation A
// between them (outputs h1, h2, ...) and head H: fcL.W is n(L) × n(L−1), fcL.b is n(L) × 1.
template <std::size_t Depth, activation A, head H>
struct mlp : classifier<dense_stack<Depth, activation_layer<A>>, H> {
    static_assert(Depth >= 1, "typegrad: nn::mlp<Depth, ...> requires at least one layer");
    static constexpr std::size_t depth = Depth;
    static constexpr nn::activation hidden = A;
    template <std::size_t L>
    using layer = fc<L>; // the dense layer L, 1 ≤ L ≤ Depth
};

} // namespace typegrad::nn
