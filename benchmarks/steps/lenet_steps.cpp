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
#include <string>
#include <vector>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/reference/lenet.hpp>
#include <typegrad/typegrad.hpp>

#include "lenet_case.hpp"
#include "suite.hpp"

namespace typegrad::bench {

namespace {

using model = nn::classifier<nn::lenet5>;

template <class T>
struct lenet_problem : lenet_data<T> {
    auto values() const {
        return [&]<class... P, std::size_t... I>(meta::type_list<P...>, std::index_sequence<I...>) {
            return typegrad::values(model::x = this->x, model::y = this->y, (P{} = this->p[I])...);
        }(model::parameters{}, std::make_index_sequence<std::tuple_size_v<reference::lenet_params<T>>>{});
    }
};

// typegrad's J and gradients against the reference's, relative to each tensor's largest
// entry: 1e-4 in float (sums over 784 · 128 positions), 1e-9 in double. "" when within.
template <class T, class Step>
std::string check_lenet_step(const lenet_problem<T>& d, const Step& step) {
    const lenet_expected<T> want(d);
    const double J = double(want.J);
    double worst = std::abs(double(step.value()) - J) / std::max(1.0, std::abs(J));
    [&]<class... P, std::size_t... I>(meta::type_list<P...>, std::index_sequence<I...>) {
        ((worst = std::max(worst, relative_difference(step[P{}], want.g[I]))), ...);
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
    time_step(state, check_lenet_step(d, step), step, values);
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
