// SPDX-License-Identifier: MIT
// Initialisers, seeded for reproducibility. Uniform draws are made from the raw
// bits of std::mt19937_64 rather than std::uniform_real_distribution, whose output
// differs between standard libraries: a seed gives the same weights everywhere.
#pragma once

#include <cmath>
#include <cstdint>
#include <random>

#include <xtensor/xtensor.hpp>

namespace typegrad::nn {

// A uniform double in [0, 1) from the top 53 bits of one draw.
inline double unit_uniform(std::mt19937_64& rng) { return double(rng() >> 11) * 0x1.0p-53; }

// Fills w with U(−bound, bound).
template <class T>
void uniform(xt::xtensor<T, 2>& w, double bound, std::mt19937_64& rng) {
    for (auto& v : w) v = T((2 * unit_uniform(rng) - 1) * bound);
}

// Xavier/Glorot: U(±√(6 / (fan_in + fan_out))), for sigmoid and tanh layers.
// W is out × in, so fan_in = columns and fan_out = rows.
template <class T>
void xavier_uniform(xt::xtensor<T, 2>& w, std::mt19937_64& rng) {
    uniform(w, std::sqrt(6.0 / double(w.shape(0) + w.shape(1))), rng);
}

// He/Kaiming: U(±√(6 / fan_in)), for relu layers (PyTorch's kaiming_uniform_ with a = 0).
template <class T>
void he_uniform(xt::xtensor<T, 2>& w, std::mt19937_64& rng) {
    uniform(w, std::sqrt(6.0 / double(w.shape(1))), rng);
}

} // namespace typegrad::nn
