// SPDX-License-Identifier: MIT
// What every variant of the LeNet-5 case shares (typegrad, the manual reference and
// gemm-only in lenet_steps.cpp; libtorch in libtorch_steps.cpp): the batch, the data,
// and the list of matrix products one step makes, which the GFLOP/s counters count.
#pragma once

#include <benchmark/benchmark.h>

#include <cstddef>
#include <random>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/reference/lenet.hpp>

namespace typegrad::bench {

constexpr std::size_t lenet_batch = 128;

// The step's products as (transpose A, transpose B, m, n, k), forward first.
struct lenet_product {
    blas::transpose ta, tb;
    std::size_t m, n, k;
    bool backward;
    double flops() const { return 2.0 * double(m) * double(n) * double(k); }
};
inline const std::vector<lenet_product>& lenet_products() {
    constexpr auto no = blas::transpose::no, yes = blas::transpose::yes;
    constexpr std::size_t m = lenet_batch;
    static const std::vector<lenet_product> all = {
        {no, no, 6, 784 * m, 25, false},  {no, no, 16, 100 * m, 150, false}, // conv1, conv2: K · patches
        {no, no, 120, m, 400, false},     {no, no, 84, m, 120, false},       // fc1, fc2
        {no, no, 10, m, 84, false},                                          // fc3
        {no, yes, 10, 84, m, true},       {yes, no, 84, m, 10, true},        // fc3: dW, da
        {no, yes, 84, 120, m, true},      {yes, no, 120, m, 84, true},       // fc2
        {no, yes, 120, 400, m, true},     {yes, no, 400, m, 120, true},      // fc1
        {no, yes, 16, 150, 100 * m, true}, {yes, no, 150, 100 * m, 16, true}, // conv2: dK, dpatches
        {no, yes, 6, 25, 784 * m, true},                                      // conv1: dK
    };
    return all;
}

inline double lenet_flops(bool backward_too) {
    double f = 0;
    for (const auto& p : lenet_products())
        if (backward_too || !p.backward)
            f += p.flops();
    return f;
}

inline void set_lenet_counters(benchmark::State& state, double flops) {
    state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["examples"] = benchmark::Counter(double(lenet_batch), benchmark::Counter::kIsIterationInvariantRate);
}

// He-uniform weights (reference::lenet_random_params), pixels U(0, 1), one-hot targets:
// 784 × m images and 10 × m targets, one example per column.
template <class T>
struct lenet_data {
    reference::lenet_params<T> p = reference::lenet_random_params<T>(1);
    xt::xtensor<T, 2> x = xt::zeros<T>({std::size_t(784), lenet_batch});
    xt::xtensor<T, 2> y = xt::zeros<T>({std::size_t(10), lenet_batch});
    lenet_data() {
        std::mt19937_64 rng(2);
        for (auto& v : x) v = T(double(rng() >> 11) * 0x1.0p-53);
        for (std::size_t n = 0; n < lenet_batch; ++n) y(rng() % 10, n) = T(1);
    }
};

// The hand-written reference's loss and gradients on d: what every other variant is
// checked against before it is timed.
template <class T>
struct lenet_expected {
    T J;
    reference::lenet_params<T> g;
    explicit lenet_expected(const lenet_data<T>& d) {
        reference::lenet<T> manual;
        J = manual.gradient(d.p, d.x, d.y, g);
    }
};

} // namespace typegrad::bench
