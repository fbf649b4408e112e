// SPDX-License-Identifier: MIT
// Private to src/gradcheck: the definition of detail::typegrad_mlp_gradient, included
// only by the generated instantiation units (one per depth, activation and output).
#pragma once

#include <utility>

#include <typegrad/nn/mlp.hpp>
#include <typegrad/typegrad.hpp>

#include "typegrad_mlp.hpp"

namespace typegrad::gradcheck::detail {

template <reference::activation H>
constexpr nn::hidden_activation hidden_of() {
    if constexpr (H == reference::activation::sigmoid)
        return nn::hidden_activation::sigmoid;
    else if constexpr (H == reference::activation::tanh)
        return nn::hidden_activation::tanh;
    else
        return nn::hidden_activation::relu;
}

template <reference::output O>
constexpr nn::output_head head_of() {
    if constexpr (O == reference::output::sigmoid_bce)
        return nn::output_head::sigmoid_bce;
    else
        return nn::output_head::softmax_ce;
}

template <std::size_t Depth, reference::activation H, reference::output O, class T>
T typegrad_mlp_gradient(const reference::mlp_params<T>& params, const xt::xtensor<T, 2>& x,
                        const xt::xtensor<T, 2>& y, reference::mlp_params<T>& grads) {
    constexpr auto dJ = nn::mlp_gradient<Depth, hidden_of<H>(), head_of<O>()>();
    grads.W.resize(Depth);
    grads.b.resize(Depth);
    const auto run = [&]<std::size_t... L>(std::index_sequence<L...>) {
        // The tensors are bound by reference: nothing is copied in.
        const auto values =
            typegrad::values(var<"x"> = x, var<"y"> = y, (nn::weight<L + 1> = params.W[L])...,
                             (nn::bias<L + 1> = params.b[L])...);
        auto program = compile<T>(dJ);
        program.run(values);
        ((grads.W[L] = program[nn::weight<L + 1>]), ...);
        ((grads.b[L] = program[nn::bias<L + 1>]), ...);
        return program.value();
    };
    return run(std::make_index_sequence<Depth>{});
}

} // namespace typegrad::gradcheck::detail

// Explicit instantiations, float and double, of one (depth, activation, output).
#define TYPEGRAD_GRADCHECK_INSTANTIATE(DEPTH, HIDDEN, OUTPUT)                                      \
    namespace typegrad::gradcheck::detail {                                                        \
    template float                                                                                 \
    typegrad_mlp_gradient<DEPTH, reference::activation::HIDDEN, reference::output::OUTPUT, float>( \
        const reference::mlp_params<float>&, const xt::xtensor<float, 2>&,                         \
        const xt::xtensor<float, 2>&, reference::mlp_params<float>&);                              \
    template double                                                                                \
    typegrad_mlp_gradient<DEPTH, reference::activation::HIDDEN, reference::output::OUTPUT,         \
                          double>(const reference::mlp_params<double>&,                            \
                                  const xt::xtensor<double, 2>&, const xt::xtensor<double, 2>&,    \
                                  reference::mlp_params<double>&);                                 \
    }
