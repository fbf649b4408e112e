// SPDX-License-Identifier: MIT
// Image layers written in the DSL: convolution, pooling, flatten. Images are
// C·H·W × batch feature matrices (ops/window.hpp), so these layers compose with
// the dense ones in nn::sequential.
#pragma once

#include <typegrad/expr/var.hpp>
#include <typegrad/nn/layers.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/pool.hpp>

namespace typegrad::nn {

// z = conv2d(K, b, x) with K = var<"<name>.K"> (Cout × C·k·k: row o is kernel o,
// channel-major) and b = col<"<name>.b"> (Cout × 1); both shapes are static.
// The output is Cout images of the window's out_height × out_width.
template <fixed_string Name, class Win, dim Cout>
struct conv {
    using window = Win;
    static constexpr dim out_channels = Cout;
    static constexpr auto K = var<Name + fixed_string(".K"), Cout, Win::patch_rows>;
    static constexpr auto b = col<Name + fixed_string(".b"), Cout>;
    using parameters = meta::type_list<std::remove_const_t<decltype(K)>, std::remove_const_t<decltype(b)>>;

    template <node X>
    constexpr auto operator()(X x) const { return conv2d<Win>(K, b, x); }
};

template <class Win>
struct max_pool_layer {
    using parameters = meta::type_list<>;
    template <node X>
    constexpr auto operator()(X x) const { return max_pool<Win>(x); }
};

template <class Win>
struct avg_pool_layer {
    using parameters = meta::type_list<>;
    template <node X>
    constexpr auto operator()(X x) const { return avg_pool<Win>(x); }
};

// Images to features: the identity in the features × batch layout.
struct flatten_layer {
    using parameters = meta::type_list<>;
    template <node X>
    constexpr auto operator()(X x) const { return flatten(x); }
};

} // namespace typegrad::nn
