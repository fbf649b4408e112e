// SPDX-License-Identifier: MIT
// The benchmark networks and what every variant of a case shares: the data, the
// parameters, and the list of matrix products one training step makes.
//
// Every case is a sigmoid MLP with a sigmoid output and binary cross-entropy, laid out
// features × batch (one example per column), as typegrad and the manual reference are.
// For layer l with W (out×in), activations a (in×m) and delta δ (out×m):
//   forward   z  = W a        m×n×k = out×m×in    no transpose
//   backward  dW = δ aᵀ / m               out×in×m    B transposed
//             da = Wᵀ δ                   in×m×out    A transposed (not for layer 1)
// A product of m×n×k counts 2mnk flops; GFLOP/s counters count these products only.
#pragma once

#include <cstddef>
#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/reference/mlp.hpp>

namespace typegrad::bench {

struct mlp_case {
    std::string name;
    std::vector<std::size_t> widths; // input, hidden..., output
    std::size_t batch;
    std::size_t depth() const { return widths.size() - 1; } // weight layers
};

// The four cases; main.cpp instantiates typegrad's program per (dtype, depth).
inline const std::vector<mlp_case>& cases() {
    static const std::vector<mlp_case> all = {
        {"seed", {2, 2, 2}, 4},                     // the seed's network
        {"ex4", {400, 25, 10}, 5000},               // handwritten digits, full batch
        {"fashion", {784, 256, 10}, 128},           // Fashion-MNIST minibatch
        {"deep", {784, 1024, 1024, 1024, 10}, 256}, // three wide hidden layers
    };
    return all;
}

struct product {
    std::string name; // "L2.da"
    blas::transpose ta, tb;
    std::size_t m, n, k;
    std::size_t a_rows, a_cols, b_rows, b_cols; // storage (row-major, leading dimension = cols)
    bool backward;
    bool scaled; // dW: alpha = 1/m, as the manual reference does
    double flops() const { return 2.0 * double(m) * double(n) * double(k); }
};

// "L1" for code layer 0 (built by appending: GCC 12 warns falsely on "L" + to_string).
inline std::string layer_label(std::size_t l) {
    std::string s = "L";
    s += std::to_string(l + 1);
    return s;
}

// The products of one training step, in the order the manual reference makes them.
inline std::vector<product> step_products(const mlp_case& c) {
    using blas::transpose;
    std::vector<product> fwd, bwd;
    const std::size_t B = c.batch;
    for (std::size_t l = 0; l < c.depth(); ++l) {
        const std::size_t in = c.widths[l], out = c.widths[l + 1];
        const std::string L = layer_label(l);
        fwd.push_back(
            {L + ".fwd", transpose::no, transpose::no, out, B, in, out, in, in, B, false, false});
    }
    for (std::size_t l = c.depth(); l-- > 0;) {
        const std::size_t in = c.widths[l], out = c.widths[l + 1];
        const std::string L = layer_label(l);
        bwd.push_back(
            {L + ".dW", transpose::no, transpose::yes, out, in, B, out, B, in, B, true, true});
        if (l > 0)
            bwd.push_back({L + ".da", transpose::yes, transpose::no, in, B, out, out, in, out, B,
                           true, false});
    }
    fwd.insert(fwd.end(), bwd.begin(), bwd.end());
    return fwd;
}

inline double step_flops(const mlp_case& c) {
    double f = 0;
    for (const auto& p : step_products(c))
        f += p.flops();
    return f;
}

inline double forward_flops(const mlp_case& c) {
    double f = 0;
    for (const auto& p : step_products(c))
        if (!p.backward)
            f += p.flops();
    return f;
}

// Inputs uniform in [0, 1), targets 0 or 1, Xavier weights and zero biases (the
// reference's initialiser): the same numbers for typegrad and the manual code.
template <class T>
struct problem {
    xt::xtensor<T, 2> x, y;
    reference::mlp_params<T> params;

    explicit problem(const mlp_case& c, std::uint64_t seed = 42)
        : x(xt::xtensor<T, 2>::from_shape({c.widths.front(), c.batch})),
          y(xt::xtensor<T, 2>::from_shape({c.widths.back(), c.batch})),
          params(reference::random_params<T>(c.widths, seed)) {
        std::mt19937_64 gen(seed + 1);
        std::uniform_real_distribution<double> u(0.0, 1.0);
        for (auto& v : x)
            v = T(u(gen));
        for (auto& v : y)
            v = u(gen) < 0.5 ? T(0) : T(1);
    }
};

} // namespace typegrad::bench
