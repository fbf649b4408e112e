// SPDX-License-Identifier: MIT
// Layers written in the DSL, so their gradients are derived like any expression.
// A layer is a constexpr function object from an expression to an expression,
// with the symbols it introduces listed in `parameters`.
#pragma once

#include <tuple>

#include <typegrad/expr/var.hpp>
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

// Activations as layers; each has no parameters.
template <auto F>
struct activation_layer {
    using parameters = meta::type_list<>;
    template <node X>
    constexpr auto operator()(X x) const { return F(x); }
};
inline constexpr auto sigmoid_fn = [](auto x) { return sigmoid(x); };
inline constexpr auto tanh_fn = [](auto x) { return typegrad::tanh(x); };
inline constexpr auto relu_fn = [](auto x) { return relu(x); };
using sigmoid_layer = activation_layer<sigmoid_fn>;
using tanh_layer = activation_layer<tanh_fn>;
using relu_layer = activation_layer<relu_fn>;

// Names the output of the wrapped layer (for the printer).
template <fixed_string Name, class Layer>
struct named {
    using parameters = typename Layer::parameters;
    template <node X>
    constexpr auto operator()(X x) const { return name<Name>(Layer{}(x)); }
};

// Layers applied in order: sequential<dense<"fc1">, relu_layer, dense<"fc2">>{}(x).
template <class... Layers>
struct sequential {
    using parameters = meta::concat_t<typename Layers::parameters...>;

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
