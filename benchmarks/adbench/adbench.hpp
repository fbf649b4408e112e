// SPDX-License-Identifier: MIT
// The functions of the ADBenchmark suite (github.com/JamesYang007/ADBenchmark), the
// suite FastAD, Stan and Adept publish gradient ÷ primal ratios against, at its
// largest sizes. What every function's translation unit shares: the benchmark
// variants, the gradient check, and the registry main.cpp runs.
//
// A function is a struct F with
//   F::name, F::n           its name in the suite and its input size there
//   F::f, F::df             typegrad's expression and grad(f, inputs...)
//   F()                     data drawn as the suite draws them (Eigen's Random:
//                           uniform in [−1, 1]), fixed seed
// A vector input is a row (1 × n): the executor's fused loops run along a row, so a
// row is one contiguous, vectorised loop, while an n × 1 column runs its inner loop
// once per element (3–4× slower on sum and the normal log-density here).
//   values()                the symbols bound to the data
//   primal()                f in double, a hand-written loop (the denominator)
//   error(program)          largest relative difference between typegrad's value
//                           and gradient and a hand-written gradient
// Benchmarks are named <function>/float64/<variant>: primal, typegrad_gradient.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <functional>
#include <random>
#include <string>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/typegrad.hpp>

namespace typegrad::adbench {

// Uniform in [−1, 1], as Eigen::VectorXd::Random fills the suite's inputs.
inline xt::xtensor<double, 2> uniform(std::size_t rows, std::size_t cols, std::mt19937_64& gen) {
    std::uniform_real_distribution<double> u(-1.0, 1.0);
    xt::xtensor<double, 2> m = xt::xtensor<double, 2>::from_shape({rows, cols});
    for (auto& v : m) v = u(gen);
    return m;
}

// Largest |got − want| relative to max(floor, largest |want|).
inline double relative_difference(const xt::xtensor<double, 2>& got, const xt::xtensor<double, 2>& want,
                                  double floor = 1) {
    if (got.shape() != want.shape()) return INFINITY;
    double diff = 0, scale = floor;
    for (std::size_t i = 0; i < want.size(); ++i) {
        diff = std::max(diff, std::abs(got.data()[i] - want.data()[i]));
        scale = std::max(scale, std::abs(want.data()[i]));
    }
    return std::isnan(diff) ? INFINITY : diff / scale;
}

inline double relative_difference(double got, double want, double floor = 1) {
    const double d = std::abs(got - want) / std::max(floor, std::abs(want));
    return std::isnan(d) ? INFINITY : d;
}

// Sums of n terms in double differ by reordering by at most about n·ε relative to
// the sum of magnitudes; 1e-9 leaves room for n = 16384 (n·ε ≈ 4e-12) and for the
// conditioning of each function at the suite's data, and still catches any wrong
// term, which moves a result by far more.
inline constexpr double tolerance = 1e-9;

template <class F>
void primal(benchmark::State& state) {
    const F fn;
    for (auto _ : state) {
        benchmark::DoNotOptimize(fn.primal());
        benchmark::ClobberMemory();
    }
    state.counters["n"] = double(F::n);
}

template <class F>
void typegrad_gradient(benchmark::State& state) {
    const F fn;
    const auto values = fn.values();
    auto program = compile<double>(F::df);
    program.run(values); // sizes the buffers
    if (const double e = fn.error(program); !(e <= tolerance)) {
        state.SkipWithError(("typegrad's gradient disagrees with the hand-written one: " + std::to_string(e)).c_str());
        return;
    }
    for (auto _ : state) {
        program.run(values);
        benchmark::DoNotOptimize(program.value());
        benchmark::ClobberMemory();
    }
    state.counters["n"] = double(F::n);
}

// One entry per function: its benchmarks and its gradient check.
struct entry {
    std::string name;
    std::function<void()> register_benchmarks;
    std::function<double()> check; // the error of typegrad's gradient
};

std::vector<entry>& registry();

template <class F>
bool add() {
    registry().push_back({F::name, [] {
                              const std::string base = std::string(F::name) + "/float64/";
                              benchmark::RegisterBenchmark((base + "primal").c_str(), primal<F>)
                                  ->Unit(benchmark::kMicrosecond);
                              benchmark::RegisterBenchmark((base + "typegrad_gradient").c_str(), typegrad_gradient<F>)
                                  ->Unit(benchmark::kMicrosecond);
                          },
                          [] {
                              const F fn;
                              const auto values = fn.values();
                              auto program = compile<double>(F::df);
                              program.run(values);
                              return fn.error(program);
                          }});
    return true;
}

} // namespace typegrad::adbench
