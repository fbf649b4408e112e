// SPDX-License-Identifier: MIT
// What the translation units of typegrad_benchmarks share. The typegrad variants
// are compiled apart, one unit per (scalar type, depth), so main.cpp never parses
// the DSL and the units build in parallel.
#pragma once

#include <benchmark/benchmark.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <string>

#include "cases.hpp"

namespace typegrad::bench {

template <class T>
constexpr const char* dtype_name() {
    return sizeof(T) == sizeof(float) ? "float32" : "float64";
}

// "<case>/<dtype>/<variant>", e.g. "fashion/float32/typegrad_step".
template <class T>
std::string benchmark_name(const mlp_case& c, const char* variant) {
    return c.name + "/" + dtype_name<T>() + "/" + variant;
}

// Rates: "GFLOP" (shown GFLOP=…/s) of the matrix products, "examples" per second.
inline void set_counters(benchmark::State& state, const mlp_case& c, double flops) {
    state.counters["GFLOP"] =
        benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["examples"] =
        benchmark::Counter(double(c.batch), benchmark::Counter::kIsIterationInvariantRate);
}

// Largest |a − b| relative to the largest |b|, over a pair of matrices: how the typegrad
// variants check their gradients against the manual reference before timing.
template <class T>
double relative_difference(const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b) {
    if (a.shape() != b.shape())
        return INFINITY;
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a.data()[i]) - double(b.data()[i])));
        scale = std::max(scale, std::abs(double(b.data()[i])));
    }
    return diff / std::max(scale, 1e-30);
}

// Times step.run(values), one step per iteration, after a check against the manual
// reference that returned `error`: "" when it passed, else the benchmark is skipped with it.
template <class Step, class Values>
void time_step(benchmark::State& state, const std::string& error, Step& step, const Values& values) {
    if (!error.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    for (auto _ : state) {
        step.run(values);
        benchmark::DoNotOptimize(step.value());
        benchmark::ClobberMemory();
    }
}

// Units, timer (CPU time of this thread with one BLAS thread, wall time otherwise).
benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b);

// typegrad's step (forward and every parameter's gradient) and forward pass for
// case c; defined in typegrad_steps.hpp, instantiated in typegrad_<dtype>_depth<D>.cpp.
template <class T, std::size_t Depth>
void register_typegrad(const mlp_case& c);

extern template void register_typegrad<float, 2>(const mlp_case&);
extern template void register_typegrad<double, 2>(const mlp_case&);
extern template void register_typegrad<float, 4>(const mlp_case&);
extern template void register_typegrad<double, 4>(const mlp_case&);

// The deep case's step written batch-major (typegrad_batch_major.cpp); nothing for other cases.
template <class T>
void register_batch_major(const mlp_case& c);
extern template void register_batch_major<float>(const mlp_case&);
extern template void register_batch_major<double>(const mlp_case&);

// The LeNet-5 case, "lenet/<dtype>/<variant>" (lenet_steps.cpp).
template <class T>
void register_lenet();
extern template void register_lenet<float>();
extern template void register_lenet<double>();

#ifdef TYPEGRAD_BENCH_LIBTORCH
// The libtorch peer (libtorch_steps.cpp), built only with -DTYPEGRAD_BENCH_LIBTORCH=ON.
template <class T>
void register_libtorch(const mlp_case& c);
extern template void register_libtorch<float>(const mlp_case&);
extern template void register_libtorch<double>(const mlp_case&);
template <class T>
void register_libtorch_lenet(); // "lenet/<dtype>/libtorch_step", "…/libtorch_forward"
extern template void register_libtorch_lenet<float>();
extern template void register_libtorch_lenet<double>();
void set_libtorch_threads(int threads); // intra-op threads, one inter-op thread
std::string libtorch_version();
#endif

} // namespace typegrad::bench
