// SPDX-License-Identifier: MIT
// The LeNet-5 case of typegrad_benchmarks (nn::lenet5 with softmax cross-entropy,
// batch 128): "lenet/<dtype>/<variant>" with the MLP cases' variants,
//   typegrad_step, typegrad_forward   nn::classifier<nn::lenet5>'s compiled gradient and loss
//   manual_step, manual_forward       the hand-written reference (src/reference/lenet.cpp)
//   gemm_step, gemm_forward           exactly the step's (or the forward's) matrix products,
//                                     nothing else (no im2col, pooling, activations or
//                                     loss): the practical limit
// Before timing, typegrad's loss and gradients are checked against the reference.
#include <algorithm>
#include <cmath>
#include <random>
#include <string>
#include <vector>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/reference/lenet.hpp>
#include <typegrad/typegrad.hpp>

#include "suite.hpp"

namespace typegrad::bench {

namespace {

constexpr std::size_t batch = 128;
using model = nn::classifier<nn::lenet5>;

// The step's products as (transpose A, transpose B, m, n, k), forward first.
struct lenet_product {
    blas::transpose ta, tb;
    std::size_t m, n, k;
    bool backward;
    double flops() const { return 2.0 * double(m) * double(n) * double(k); }
};
const std::vector<lenet_product>& lenet_products() {
    constexpr auto no = blas::transpose::no, yes = blas::transpose::yes;
    constexpr std::size_t m = batch;
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

double lenet_flops(bool backward_too) {
    double f = 0;
    for (const auto& p : lenet_products())
        if (backward_too || !p.backward)
            f += p.flops();
    return f;
}

void set_lenet_counters(benchmark::State& state, double flops) {
    state.counters["GFLOP"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
    state.counters["examples"] = benchmark::Counter(double(batch), benchmark::Counter::kIsIterationInvariantRate);
}

// He-uniform weights (reference::lenet_random_params), pixels U(0, 1), one-hot targets.
template <class T>
struct lenet_problem {
    reference::lenet_params<T> p = reference::lenet_random_params<T>(1);
    xt::xtensor<T, 2> x = xt::zeros<T>({std::size_t(784), batch}), y = xt::zeros<T>({std::size_t(10), batch});
    lenet_problem() {
        std::mt19937_64 rng(2);
        for (auto& v : x) v = T(double(rng() >> 11) * 0x1.0p-53);
        for (std::size_t n = 0; n < batch; ++n) y(rng() % 10, n) = T(1);
    }
    auto values() const {
        return [&]<class... P, std::size_t... I>(meta::type_list<P...>, std::index_sequence<I...>) {
            return typegrad::values(model::x = x, model::y = y, (P{} = p[I])...);
        }(model::parameters{}, std::make_index_sequence<std::tuple_size_v<reference::lenet_params<T>>>{});
    }
};

// typegrad's J and gradients against the reference's, relative to each tensor's largest
// entry: 1e-4 in float (sums over 784 · 128 positions), 1e-9 in double. "" when within.
template <class T, class Step>
std::string check_lenet_step(const lenet_problem<T>& d, const Step& step) {
    reference::lenet<T> manual;
    reference::lenet_params<T> g;
    const double J = double(manual.gradient(d.p, d.x, d.y, g));
    double worst = std::abs(double(step.value()) - J) / std::max(1.0, std::abs(J));
    [&]<class... P, std::size_t... I>(meta::type_list<P...>, std::index_sequence<I...>) {
        ((worst = std::max(worst, relative_difference(step[P{}], g[I]))), ...);
    }(model::parameters{}, std::make_index_sequence<std::tuple_size_v<reference::lenet_params<T>>>{});
    const double tol = sizeof(T) == sizeof(float) ? 1e-4 : 1e-9;
    return worst <= tol ? "" : "typegrad and the manual reference disagree: relative difference " + std::to_string(worst);
}

template <class T>
void typegrad_step(benchmark::State& state) {
    const lenet_problem<T> d;
    const auto values = d.values();
    auto step = compile<T>(model::gradient);
    step.run(values); // sizes the buffers
    if (const auto error = check_lenet_step(d, step); !error.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    for (auto _ : state) {
        step.run(values);
        benchmark::DoNotOptimize(step.value());
        benchmark::ClobberMemory();
    }
    set_lenet_counters(state, lenet_flops(true));
}

template <class T>
void typegrad_forward(benchmark::State& state) {
    const lenet_problem<T> d;
    const auto values = d.values();
    auto forward = compile<T>(model::loss);
    forward.run(values);
    for (auto _ : state) {
        forward.run(values);
        benchmark::DoNotOptimize(forward[model::loss](0, 0));
        benchmark::ClobberMemory();
    }
    set_lenet_counters(state, lenet_flops(false));
}

template <class T>
void manual_step(benchmark::State& state) {
    const lenet_problem<T> d;
    reference::lenet<T> manual;
    reference::lenet_params<T> g;
    for (auto _ : state) {
        benchmark::DoNotOptimize(manual.gradient(d.p, d.x, d.y, g));
        benchmark::ClobberMemory();
    }
    set_lenet_counters(state, lenet_flops(true));
}

template <class T>
void manual_forward(benchmark::State& state) {
    const lenet_problem<T> d;
    reference::lenet<T> manual;
    for (auto _ : state) {
        benchmark::DoNotOptimize(manual.loss(d.p, d.x, d.y));
        benchmark::ClobberMemory();
    }
    set_lenet_counters(state, lenet_flops(false));
}

template <class T>
void gemm_only(benchmark::State& state, bool backward_too) {
    struct operands {
        lenet_product p;
        std::vector<T> a, b, c;
    };
    std::vector<operands> ops;
    for (const auto& p : lenet_products())
        if (backward_too || !p.backward)
            ops.push_back({p, std::vector<T>(p.m * p.k, T(0.01)), std::vector<T>(p.k * p.n, T(0.01)),
                           std::vector<T>(p.m * p.n)});
    for (auto _ : state) {
        for (auto& o : ops) {
            const auto& p = o.p;
            const std::size_t lda = p.ta == blas::transpose::yes ? p.m : p.k;
            const std::size_t ldb = p.tb == blas::transpose::yes ? p.k : p.n;
            blas::gemm(p.ta, p.tb, p.m, p.n, p.k, T(1), o.a.data(), lda, o.b.data(), ldb, T(0), o.c.data(), p.n);
            benchmark::DoNotOptimize(o.c.data());
        }
        benchmark::ClobberMemory();
    }
    set_lenet_counters(state, lenet_flops(backward_too));
}

} // namespace

template <class T>
void register_lenet() {
    const auto name = [](const char* variant) { return std::string("lenet/") + dtype_name<T>() + "/" + variant; };
    configure(benchmark::RegisterBenchmark(name("typegrad_step").c_str(), typegrad_step<T>));
    configure(benchmark::RegisterBenchmark(name("typegrad_forward").c_str(), typegrad_forward<T>));
    configure(benchmark::RegisterBenchmark(name("manual_step").c_str(), manual_step<T>));
    configure(benchmark::RegisterBenchmark(name("manual_forward").c_str(), manual_forward<T>));
    configure(benchmark::RegisterBenchmark(name("gemm_step").c_str(), gemm_only<T>, true));
    configure(benchmark::RegisterBenchmark(name("gemm_forward").c_str(), gemm_only<T>, false));
}

template void register_lenet<float>();
template void register_lenet<double>();

} // namespace typegrad::bench
