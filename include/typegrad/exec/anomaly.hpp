// SPDX-License-Identifier: MIT
// Anomaly detection: the check a program runs on each materialised node while it
// is on, and the error naming the first node whose value is not finite.
#pragma once

#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>

#include <xtensor/xtensor.hpp>

#include <typegrad/expr/shape.hpp>
#include <typegrad/print/graph_text.hpp>

namespace typegrad {

// A NaN or infinity found by anomaly detection: the message names the first node
// whose value is not finite, as the printer shows it, and the symbols it depends on.
struct anomaly_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

// Describes node i for an anomaly report ("log(a3) in the forward pass").
using node_namer = std::string (*)(std::size_t);

// Throws anomaly_error if node i's value holds a NaN or infinity.
template <class Nodes, class T>
void check_finite(const xt::xtensor<T, 2>& value, std::size_t i, node_namer namer) {
    const std::size_t cols = value.shape(1);
    for (std::size_t k = 0; k < value.size(); ++k) {
        const T v = value.data()[k];
        if (std::isfinite(v)) continue;
        throw anomaly_error("typegrad: anomaly: " + namer(i) + " is " + (std::isnan(v) ? "NaN" : v > 0 ? "+inf" : "-inf") +
                            " at (" + std::to_string(k / cols) + ", " + std::to_string(k % cols) + ") of its " +
                            to_string(shape2{value.shape(0), cols}) + " value; it depends on " +
                            graph_text<Nodes>::symbols(i));
    }
}

} // namespace typegrad
