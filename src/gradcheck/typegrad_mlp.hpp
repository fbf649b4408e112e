// SPDX-License-Identifier: MIT
// Private to src/gradcheck: typegrad's gradient of nn::mlp<Depth, H, O> for one
// compile-time combination. Declared here, so the run-time dispatcher (typegrad_mlp.cpp)
// never parses the DSL; defined by gradcheck::gradient<Model, T> (gradcheck/model.hpp)
// and explicitly instantiated in one generated translation unit per combination (see
// CMakeLists.txt), which keeps each unit's compile time and memory bounded.
#pragma once

#include <cstddef>

#include <xtensor/xtensor.hpp>

#include <typegrad/reference/mlp.hpp>

namespace typegrad::gradcheck::detail {

// Returns J and overwrites grads with ∂J/∂fc1.W .. fcD.W (grads.W), ∂J/∂fc1.b .. (grads.b).
// params.W and params.b have Depth entries whose shapes chain (checked by the caller).
template <std::size_t Depth, nn::activation H, nn::head O, class T>
T typegrad_mlp_gradient(const reference::mlp_params<T>& params, const xt::xtensor<T, 2>& x,
                        const xt::xtensor<T, 2>& y, reference::mlp_params<T>& grads);

} // namespace typegrad::gradcheck::detail
