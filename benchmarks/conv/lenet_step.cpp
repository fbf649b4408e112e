// SPDX-License-Identifier: MIT
// One LeNet-5 training step (forward and every parameter's gradient), batch 128,
// three ways, one thread: typegrad's compiled gradient, the hand-written reference
// (src/reference/lenet.cpp) and gemm-only — exactly the step's matrix products,
// nothing else (no im2col, pooling, activations or loss), the practical limit.
// Run side by side: build/benchmarks/conv/lenet_benchmarks --benchmark_repetitions=9
//   --benchmark_report_aggregates_only=true  (compare the medians).
#include <benchmark/benchmark.h>

#include <random>
#include <vector>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/reference/lenet.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
namespace ref = typegrad::reference;

namespace {

constexpr std::size_t batch = 128;
using model = tg::nn::classifier<tg::nn::lenet5>;

template <class T>
struct data {
    ref::lenet_params<T> p = ref::lenet_random_params<T>(1);
    xt::xtensor<T, 2> x = xt::zeros<T>({std::size_t(784), batch}), y = xt::zeros<T>({std::size_t(10), batch});
    data() {
        std::mt19937_64 rng(2);
        for (auto& v : x) v = T(double(rng() >> 11) * 0x1.0p-53);
        for (std::size_t n = 0; n < batch; ++n) y(rng() % 10, n) = T(1);
    }
};

template <class T>
void typegrad_step(benchmark::State& state) {
    tg::blas::set_threads(1);
    data<T> d;
    auto values = [&]<class... P, std::size_t... I>(tg::meta::type_list<P...>, std::index_sequence<I...>) {
        return tg::values(model::x = d.x, model::y = d.y, (P{} = d.p[I])...);
    }(model::parameters{}, std::make_index_sequence<10>{});
    auto step = tg::compile<T>(model::gradient);
    for (auto _ : state) {
        step.run(values);
        benchmark::DoNotOptimize(step.value());
    }
}

template <class T>
void manual_step(benchmark::State& state) {
    tg::blas::set_threads(1);
    data<T> d;
    ref::lenet<T> manual;
    ref::lenet_params<T> g;
    for (auto _ : state) benchmark::DoNotOptimize(manual.gradient(d.p, d.x, d.y, g));
}

// The step's products as (transpose A, transpose B, m, n, k).
struct product {
    tg::blas::transpose ta, tb;
    std::size_t m, n, k;
};
const std::vector<product>& products() {
    using tg::blas::transpose;
    constexpr auto no = transpose::no, yes = transpose::yes;
    const std::size_t m = batch;
    static const std::vector<product> all = {
        {no, no, 6, 784 * m, 25},    {no, no, 16, 100 * m, 150}, {no, no, 120, m, 400}, // forward
        {no, no, 84, m, 120},        {no, no, 10, m, 84},
        {no, yes, 10, 84, m},        {yes, no, 84, m, 10},                              // fc3: dW, da
        {no, yes, 84, 120, m},       {yes, no, 120, m, 84},                             // fc2
        {no, yes, 120, 400, m},      {yes, no, 400, m, 120},                            // fc1
        {no, yes, 16, 150, 100 * m}, {yes, no, 150, 100 * m, 16},                       // conv2: dK, dpatches
        {no, yes, 6, 25, 784 * m},                                                      // conv1: dK
    };
    return all;
}

template <class T>
void gemm_only(benchmark::State& state) {
    tg::blas::set_threads(1);
    struct operands {
        std::vector<T> a, b, c;
    };
    std::vector<operands> buffers;
    for (const auto& p : products())
        buffers.push_back({std::vector<T>(p.m * p.k, T(0.01)), std::vector<T>(p.k * p.n, T(0.01)), std::vector<T>(p.m * p.n)});
    for (auto _ : state)
        for (std::size_t i = 0; i < products().size(); ++i) {
            const auto& p = products()[i];
            auto& o = buffers[i];
            const std::size_t lda = p.ta == tg::blas::transpose::yes ? p.m : p.k;
            const std::size_t ldb = p.tb == tg::blas::transpose::yes ? p.k : p.n;
            tg::blas::gemm(p.ta, p.tb, p.m, p.n, p.k, T(1), o.a.data(), lda, o.b.data(), ldb, T(0), o.c.data(), p.n);
            benchmark::DoNotOptimize(o.c.data());
        }
}

} // namespace

BENCHMARK(typegrad_step<float>)->Name("lenet/float32/typegrad")->Unit(benchmark::kMicrosecond);
BENCHMARK(manual_step<float>)->Name("lenet/float32/manual")->Unit(benchmark::kMicrosecond);
BENCHMARK(gemm_only<float>)->Name("lenet/float32/gemm-only")->Unit(benchmark::kMicrosecond);
BENCHMARK(typegrad_step<double>)->Name("lenet/float64/typegrad")->Unit(benchmark::kMicrosecond);
BENCHMARK(manual_step<double>)->Name("lenet/float64/manual")->Unit(benchmark::kMicrosecond);
BENCHMARK(gemm_only<double>)->Name("lenet/float64/gemm-only")->Unit(benchmark::kMicrosecond);

BENCHMARK_MAIN();
