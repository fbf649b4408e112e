// SPDX-License-Identifier: MIT
// Layers written in the DSL, so their gradients are derived like any expression.
// A layer is a constexpr function object from an expression to an expression,
// with the symbols it introduces listed in `parameters` (trained) and, if it has any,
// the dropout layers whose masks the trainer binds each step in `masks` (nn/dropout.hpp).
#pragma once

#include <tuple>

#include <typegrad/expr/type_list.hpp>
#include <typegrad/expr/var.hpp>
#include <typegrad/nn/kinds.hpp>
#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/label.hpp>
#include <typegrad/ops/matmul.hpp>

namespace typegrad::nn {

// z = W x + b with W = var<"<name>.W"> (out × in) and b = col<"<name>.b"> (out × 1).
template <fixed_string Name>
struct dense {
    static constexpr auto W = var<Name + fixed_string(".W")>;
    static constexpr auto b = col<Name + fixed_string(".b")>;
    using parameters = meta::type_list<std::remove_const_t<decltype(W)>, std::remove_const_t<decltype(b)>>;

    template <node X>
    constexpr auto operator()(X x) const { return matmul(W, x) + b; }
};

// Activations as layers; each has no parameters. `kind` is the value the reference,
// the gradient checker and the trainer use for the same activation.
template <activation A>
struct activation_layer {
    static constexpr nn::activation kind = A;
    using parameters = meta::type_list<>;
    template <node X>
    constexpr auto operator()(X x) const {
        if constexpr (A == activation::sigmoid) return sigmoid(x);
        else if constexpr (A == activation::tanh) return typegrad::tanh(x);
        else return relu(x);
    }
};
using sigmoid_layer = activation_layer<activation::sigmoid>;
using tanh_layer = activation_layer<activation::tanh>;
using relu_layer = activation_layer<activation::relu>;

// A layer's `masks`, or none: only dropout layers and the layers holding them declare it.
template <class Layer>
struct masks_of {
    using type = meta::type_list<>;
};
template <class Layer>
    requires requires { typename Layer::masks; }
struct masks_of<Layer> {
    using type = typename Layer::masks;
};
template <class Layer>
using masks_of_t = typename masks_of<Layer>::type;

// Names the output of the wrapped layer (for the printer).
template <fixed_string Name, class Layer>
struct named {
    using parameters = typename Layer::parameters;
    using masks = masks_of_t<Layer>;
    template <node X>
    constexpr auto operator()(X x) const { return name<Name>(Layer{}(x)); }
};

// Layers applied in order: sequential<dense<"fc1">, relu_layer, dense<"fc2">>{}(x).
template <class... Layers>
struct sequential {
    using parameters = meta::concat_t<typename Layers::parameters...>;
    using masks = meta::concat_t<masks_of_t<Layers>...>;

    template <node X>
    constexpr auto operator()(X x) const { return apply<Layers...>(x); }

  private:
    template <class First, class... Rest, class X>
    static constexpr auto apply(X x) {
        if constexpr (sizeof...(Rest) == 0) return First{}(x);
        else return apply<Rest...>(First{}(x));
    }
};

} // namespace typegrad::nn
