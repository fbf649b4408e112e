// SPDX-License-Identifier: MIT
// Data-parallel replicas must hold the same parameters bit for bit: every rank applies the
// same update to the same summed gradient. This check proves it cheaply — one 64-bit
// checksum per parameter, gathered from every rank — and names what diverged.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/distributed/world.hpp>

namespace typegrad::distributed {

// FNV-1a (64 bit) of the values' bytes: equal bits, equal checksum; one flipped bit changes it.
std::uint64_t checksum(std::span<const float> values) noexcept;
std::uint64_t checksum(std::span<const double> values) noexcept;

template <class T>
struct named_values {
    std::string name;
    std::span<const T> values;
};

// Every rank calls it with its parameters in the same order. Throws distributed_error on
// every rank if any parameter's checksum differs from rank 0's, naming the parameter, the
// ranks and `when` ("after epoch 3").
void check_replicas(world& w, std::span<const named_values<float>> params, std::string_view when);
void check_replicas(world& w, std::span<const named_values<double>> params, std::string_view when);

} // namespace typegrad::distributed
