// SPDX-License-Identifier: MIT
// typegrad's variants of a case: the derived training step and the forward pass,
// each a program compiled once and run on bound tensors, as in a training loop.
// Before timing, the step's loss and gradients are checked against the manual
// reference on the same data.
#pragma once

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>

#include <typegrad/nn/model.hpp>
#include <typegrad/typegrad.hpp>

#include "suite.hpp"

namespace typegrad::bench {

// The network's symbols bound by reference to the problem's tensors.
template <std::size_t Depth, class T>
auto bind_values(const problem<T>& p) {
    return [&]<std::size_t... L>(std::index_sequence<L...>) {
        return values(var<"x"> = p.x, var<"y"> = p.y, (nn::fc<L + 1>::W = p.params.W[L])...,
                      (nn::fc<L + 1>::b = p.params.b[L])...);
    }
    (std::make_index_sequence<Depth>{});
}

// typegrad's step against the reference: J and every gradient, relative tolerance
// 1e-3 in float (ex4 sums 5000 columns), 1e-9 in double. Returns an error or "".
template <class T, std::size_t Depth, class Step>
std::string check_against_reference(const mlp_case& c, const problem<T>& p, const Step& step) {
    reference::mlp<T> net(c.widths, reference::activation::sigmoid, reference::head::sigmoid_bce);
    reference::mlp_params<T> g;
    const T J = net.gradient(p.params, p.x, p.y, g);
    const double tol = sizeof(T) == sizeof(float) ? 1e-3 : 1e-9;
    double worst = std::abs(double(step.value()) - double(J)) / std::max(1.0, std::abs(double(J)));
    [&]<std::size_t... L>(std::index_sequence<L...>) {
        ((worst = std::max({worst, relative_difference(step[nn::fc<L + 1>::W], g.W[L]),
                            relative_difference(step[nn::fc<L + 1>::b], g.b[L])})),
         ...);
    }
    (std::make_index_sequence<Depth>{});
    if (worst <= tol)
        return "";
    return "typegrad and the manual reference disagree: relative difference " +
           std::to_string(worst);
}

// With `checked`, anomaly detection is on: every materialised node is scanned for
// NaN and infinity. Off (the default) is the plain typegrad_step.
template <class T, std::size_t Depth, bool Checked = false>
void typegrad_step(benchmark::State& state, const mlp_case& c) {
    constexpr auto dJ =
        nn::mlp<Depth, nn::activation::sigmoid, nn::head::sigmoid_bce>::gradient;
    const problem<T> p(c);
    const auto values = bind_values<Depth>(p);
    auto step = compile<T>(dJ);
    step.detect_anomalies(Checked);
    step.run(values); // sizes the buffers
    time_step(state, check_against_reference<T, Depth>(c, p, step), step, values);
    set_counters(state, c, step_flops(c));
}

template <class T, std::size_t Depth>
void typegrad_forward(benchmark::State& state, const mlp_case& c) {
    constexpr auto J =
        nn::mlp<Depth, nn::activation::sigmoid, nn::head::sigmoid_bce>::loss;
    const problem<T> p(c);
    const auto values = bind_values<Depth>(p);
    auto forward = compile<T>(J);
    forward.run(values);
    for (auto _ : state) {
        forward.run(values);
        benchmark::DoNotOptimize(forward[J](0, 0));
        benchmark::ClobberMemory();
    }
    set_counters(state, c, forward_flops(c));
}

template <class T, std::size_t Depth>
void register_typegrad(const mlp_case& c) {
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "typegrad_step").c_str(),
                                           typegrad_step<T, Depth>, c));
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "typegrad_forward").c_str(),
                                           typegrad_forward<T, Depth>, c));
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "typegrad_step_anomaly_checks").c_str(),
                                           typegrad_step<T, Depth, true>, c));
}

} // namespace typegrad::bench
