// SPDX-License-Identifier: MIT
// Private to src/gradcheck: the definition of detail::typegrad_mlp_gradient, included
// only by the generated instantiation units (one per depth, activation and head): the
// gradient of the very nn::mlp a user trains, through gradcheck::gradient<Model, T>.
#pragma once

#include <typegrad/gradcheck/model.hpp>

#include "typegrad_mlp.hpp"

namespace typegrad::gradcheck::detail {

template <std::size_t Depth, nn::activation H, nn::head O, class T>
T typegrad_mlp_gradient(const reference::mlp_params<T>& params, const xt::xtensor<T, 2>& x,
                        const xt::xtensor<T, 2>& y, reference::mlp_params<T>& grads) {
    return gradient<nn::mlp<Depth, H, O>, T>(params, x, y, grads);
}

} // namespace typegrad::gradcheck::detail

// Explicit instantiations, float and double, of one (depth, activation, head).
#define TYPEGRAD_GRADCHECK_INSTANTIATE(DEPTH, HIDDEN, OUTPUT)                                      \
    namespace typegrad::gradcheck::detail {                                                        \
    template float typegrad_mlp_gradient<DEPTH, nn::activation::HIDDEN, nn::head::OUTPUT, float>(  \
        const reference::mlp_params<float>&, const xt::xtensor<float, 2>&,                         \
        const xt::xtensor<float, 2>&, reference::mlp_params<float>&);                              \
    template double typegrad_mlp_gradient<DEPTH, nn::activation::HIDDEN, nn::head::OUTPUT, double>( \
        const reference::mlp_params<double>&, const xt::xtensor<double, 2>&,                       \
        const xt::xtensor<double, 2>&, reference::mlp_params<double>&);                            \
    }
