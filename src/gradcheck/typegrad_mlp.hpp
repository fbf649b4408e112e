// SPDX-License-Identifier: MIT
// Private to src/gradcheck: the typegrad MLP gradient for one compile-time
// (depth, hidden activation, output) combination. Declared here, so the run-time
// dispatcher (typegrad_mlp.cpp) never parses the DSL; defined in
// typegrad_mlp_impl.hpp and explicitly instantiated in one generated translation unit
// per combination (see CMakeLists.txt), which keeps each unit's compile time and memory
// bounded.
#pragma once

#include <cstddef>

#include <xtensor/xtensor.hpp>

#include <typegrad/reference/mlp.hpp>

namespace typegrad::gradcheck::detail {

// Returns J and overwrites grads with ∂J/∂W1..WD, ∂J/∂b1..bD. params.W and params.b
// have Depth entries whose shapes chain (checked by the caller).
template <std::size_t Depth, reference::activation H, reference::output O, class T>
T typegrad_mlp_gradient(const reference::mlp_params<T>& params, const xt::xtensor<T, 2>& x,
                        const xt::xtensor<T, 2>& y, reference::mlp_params<T>& grads);

} // namespace typegrad::gradcheck::detail
