// SPDX-License-Identifier: MIT
// The gradient check of a model as its user holds it: an nn::mlp type and its weights
// (a parameter store, or anything indexed by the model's symbols). typegrad's gradient of
// that very model is compared with the manual reference and with finite differences.
//
//   using model = nn::mlp<3, nn::activation::relu, nn::head::softmax_ce>;
//   const auto r = gradcheck::run<model>(store, X, Y);   // store[fc1.W], store[fc1.b], ...
//   if (!r.passed()) ...
//
// Link typegrad::gradcheck_core (the comparison; no network compiled in).
#pragma once

#include <cstddef>
#include <utility>

#include <typegrad/exec/eval.hpp>
#include <typegrad/gradcheck.hpp>
#include <typegrad/nn/model.hpp>

namespace typegrad::gradcheck {

// A model the reference can rebuild: dense layers fc1 .. fc(depth) with one hidden
// activation and a head (nn::mlp).
template <class Model>
concept mlp_model = requires {
    { Model::depth } -> std::convertible_to<std::size_t>;
    { Model::hidden } -> std::convertible_to<nn::activation>;
    { Model::head } -> std::convertible_to<nn::head>;
};

// typegrad's gradient of Model in the reference's layout (W[l] = fc(l+1).W): a
// gradient_fn<T>. The tensors are bound by reference: nothing is copied in.
template <mlp_model Model, class T>
T gradient(const reference::mlp_params<T>& theta, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
           reference::mlp_params<T>& grads) {
    grads.W.resize(Model::depth);
    grads.b.resize(Model::depth);
    return [&]<std::size_t... L>(std::index_sequence<L...>) {
        const auto values = typegrad::values(Model::x = x, Model::y = y,
                                             (Model::template layer<L + 1>::W = theta.W[L])...,
                                             (Model::template layer<L + 1>::b = theta.b[L])...);
        auto program = compile<T>(Model::gradient);
        program.run(values);
        ((grads.W[L] = program[Model::template layer<L + 1>::W]), ...);
        ((grads.b[L] = program[Model::template layer<L + 1>::b]), ...);
        return program.value();
    }(std::make_index_sequence<Model::depth>{});
}

// The model's weights as the reference's parameters, in double.
template <mlp_model Model, class Weights>
reference::mlp_params<double> reference_params(const Weights& weights) {
    reference::mlp_params<double> theta;
    [&]<std::size_t... L>(std::index_sequence<L...>) {
        (theta.W.push_back(xt::cast<double>(weights[Model::template layer<L + 1>::W])), ...);
        (theta.b.push_back(xt::cast<double>(weights[Model::template layer<L + 1>::b])), ...);
    }(std::make_index_sequence<Model::depth>{});
    return theta;
}

// Checks Model's gradient at `weights` (indexed by the model's symbols: a parameter
// store) on one batch x, y, in double. fd_samples and seed as in options.
template <mlp_model Model, class Weights, class T>
report run(const Weights& weights, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
           std::size_t fd_samples = 16, std::uint64_t seed = 1) {
    network net{reference_params<Model>(weights), xt::cast<double>(x), xt::cast<double>(y)};
    options o;
    o.layers = {net.x.shape(0)};
    for (const auto& W : net.theta.W) o.layers.push_back(W.shape(0));
    o.batch = net.x.shape(1);
    o.hidden = Model::hidden;
    o.out = Model::head;
    o.type = dtype::float64;
    o.seed = seed;
    o.fd_samples = fd_samples;
    return check<double>(o, net, &gradient<Model, double>);
}

} // namespace typegrad::gradcheck
