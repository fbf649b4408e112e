// SPDX-License-Identifier: MIT
// Before training: the three-way check on one batch with the initial weights —
// typegrad's derived gradient, the hand-written transpose-delta reference, and
// central finite differences, all in double.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <typegrad/reference/mlp.hpp>
#include <typegrad/typegrad.hpp>

// max |a − b| / max(max |b|, 1e-12): the worst entry relative to the tensor's scale.
inline double relative_difference(const xt::xtensor<double, 2>& a, const xt::xtensor<double, 2>& b) {
    double diff = 0, scale = 1e-12;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(a.data()[i] - b.data()[i]));
        scale = std::max(scale, std::abs(b.data()[i]));
    }
    return diff / scale;
}

template <class Model, std::size_t Depth>
std::string gradient_check(const std::vector<xt::xtensor<float, 2>>& tensors, const xt::xtensor<float, 2>& xf,
                           const xt::xtensor<float, 2>& yf, const std::string& activation) {
    namespace ref = typegrad::reference;
    using parameters = typename Model::parameters;
    xt::xtensor<double, 2> X = xt::cast<double>(xf), Y = xt::cast<double>(yf);
    std::vector<xt::xtensor<double, 2>> theta;
    for (const auto& t : tensors) theta.push_back(xt::cast<double>(t));

    // typegrad
    auto values = [&]<class... P, std::size_t... I>(typegrad::meta::type_list<P...>, std::index_sequence<I...>) {
        return typegrad::values(Model::x = X, Model::y = Y, (P{} = theta[I])...);
    }(parameters{}, std::make_index_sequence<2 * Depth>{});
    auto derived = typegrad::compile<double>(Model::gradient);
    derived.run(values);
    std::vector<xt::xtensor<double, 2>> typegrad_grads;
    [&]<class... P>(typegrad::meta::type_list<P...>) { (typegrad_grads.push_back(derived[P{}]), ...); }(parameters{});

    // the manual reference, from the same tensors
    std::vector<std::size_t> sizes = {X.shape(0)};
    for (std::size_t l = 0; l < Depth; ++l) sizes.push_back(theta[2 * l].shape(0));
    const auto hidden = activation == "relu" ? ref::activation::relu
                        : activation == "tanh" ? ref::activation::tanh : ref::activation::sigmoid;
    ref::mlp<double> manual(sizes, hidden, ref::output::softmax_ce);
    ref::mlp_params<double> p, g;
    for (std::size_t l = 0; l < Depth; ++l) {
        p.W.push_back(theta[2 * l]);
        p.b.push_back(theta[2 * l + 1]);
    }
    manual.gradient(p, X, Y, g);

    // central differences of the reference loss on a sample of entries per tensor
    double tm = 0, tf = 0, mf = 0;
    std::mt19937_64 rng(7);
    for (std::size_t k = 0; k < theta.size(); ++k) {
        const auto& manual_grad = k % 2 == 0 ? g.W[k / 2] : g.b[k / 2];
        tm = std::max(tm, relative_difference(typegrad_grads[k], manual_grad));
        auto& entry_owner = k % 2 == 0 ? p.W[k / 2] : p.b[k / 2];
        double diff_t = 0, diff_m = 0, scale = 1e-12;
        for (std::size_t s = 0; s < 16; ++s) {
            const std::size_t i = rng() % entry_owner.size();
            const double keep = entry_owner.data()[i], h = 1e-5 * std::max(1.0, std::abs(keep));
            entry_owner.data()[i] = keep + h;
            const double up = manual.loss(p, X, Y);
            entry_owner.data()[i] = keep - h;
            const double down = manual.loss(p, X, Y);
            entry_owner.data()[i] = keep;
            const double fd = (up - down) / (2 * h);
            diff_t = std::max(diff_t, std::abs(typegrad_grads[k].data()[i] - fd));
            diff_m = std::max(diff_m, std::abs(manual_grad.data()[i] - fd));
            scale = std::max(scale, std::abs(fd));
        }
        tf = std::max(tf, diff_t / scale);
        mf = std::max(mf, diff_m / scale);
    }
    char line[200];
    std::snprintf(line, sizeof line, "gradcheck: max_rel typegrad_vs_manual=%.3g typegrad_vs_fd=%.3g manual_vs_fd=%.3g",
                  tm, tf, mf);
    return line;
}
