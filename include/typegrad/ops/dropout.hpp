// SPDX-License-Identifier: MIT
// Dropout as an expression: dropout(x, mask) = x ⊙ mask, with the mask a symbol
// bound afresh each training step (entries 0, or 1/(1 − rate) so that the expected
// value is unchanged) and its adjoint derived like any product: G ⊙ mask. The mask is
// drawn by dropout_mask from a seeded generator, so a run is reproducible; in
// evaluation the mask is all ones (or the layer is left out), and dropout is the identity.
#pragma once

#include <cstdint>
#include <random>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/arithmetic.hpp>

namespace typegrad {

template <node X, node Mask>
constexpr auto dropout(X x, Mask mask) { return x * mask; }

// Fills mask with 0 (probability rate) or 1/(1 − rate), from the top 53 bits of each draw
// (the same numbers on every standard library). rate = 0 gives all ones: evaluation mode.
template <class T>
void dropout_mask(xt::xtensor<T, 2>& mask, double rate, std::mt19937_64& rng) {
    const T keep = rate < 1 ? T(1 / (1 - rate)) : T(0);
    for (auto& v : mask) v = double(rng() >> 11) * 0x1.0p-53 < rate ? T(0) : keep;
}

} // namespace typegrad
