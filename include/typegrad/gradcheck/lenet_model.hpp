// SPDX-License-Identifier: MIT
// The gradient check of LeNet-5 as its user holds it: a model type derived from
// nn::classifier<nn::lenet5> and its weights (a parameter store, or anything indexed by
// the model's symbols). typegrad's gradient of that very model is compared with
// reference::lenet and with finite differences (gradcheck/lenet.hpp).
//
//   struct model : nn::classifier<nn::lenet5> {};
//   const auto r = gradcheck::run<model>(store, X, Y);   // store[conv1.K], ..., store[fc3.b]
//
// Link typegrad::gradcheck_core (the comparison; no network compiled in).
#pragma once

#include <concepts>
#include <cstddef>
#include <cstdint>
#include <utility>

#include <typegrad/exec/eval.hpp>
#include <typegrad/expr/type_list.hpp>
#include <typegrad/gradcheck/lenet.hpp>
#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>

namespace typegrad::gradcheck {

// A model the LeNet-5 reference can rebuild: nn::lenet5 with softmax cross-entropy.
template <class Model>
concept lenet_model = std::derived_from<Model, nn::classifier<nn::lenet5, nn::head::softmax_ce>>;

// typegrad's gradient of Model in the reference's layout (theta[i] = the i-th of
// Model::parameters): a lenet_gradient_fn<T>. The tensors are bound by reference.
template <lenet_model Model, class T>
T gradient(const reference::lenet_params<T>& theta, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
           reference::lenet_params<T>& grads) {
    return [&]<class... P, std::size_t... I>(meta::type_list<P...>, std::index_sequence<I...>) {
        const auto values = typegrad::values(Model::x = x, Model::y = y, (P{} = theta[I])...);
        auto program = compile<T>(Model::gradient);
        program.run(values);
        ((grads[I] = program[P{}]), ...);
        return program.value();
    }(typename Model::parameters{}, std::make_index_sequence<std::tuple_size_v<reference::lenet_params<T>>>{});
}

// Checks Model's gradient at `weights` (indexed by the model's symbols: a parameter
// store) on one batch x, y, in double. fd_samples and seed as in options.
template <lenet_model Model, class Weights, class T>
report run(const Weights& weights, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
           std::size_t fd_samples = 16, std::uint64_t seed = 1) {
    lenet_network net{{}, xt::cast<double>(x), xt::cast<double>(y)};
    [&]<class... P, std::size_t... I>(meta::type_list<P...>, std::index_sequence<I...>) {
        ((net.theta[I] = xt::cast<double>(weights[P{}])), ...);
    }(typename Model::parameters{}, std::make_index_sequence<std::tuple_size_v<reference::lenet_params<T>>>{});
    options o;
    o.batch = net.x.shape(1);
    o.type = dtype::float64;
    o.seed = seed;
    o.fd_samples = fd_samples;
    return check_lenet<double>(o, net, &gradient<Model, double>);
}

} // namespace typegrad::gradcheck
