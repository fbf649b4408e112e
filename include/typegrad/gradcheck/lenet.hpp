// SPDX-License-Identifier: MIT
// Gradient checking for LeNet-5 (nn::lenet5 with softmax cross-entropy): typegrad's
// derived gradient, the hand-written reference (reference/lenet.hpp) and central finite
// differences of the reference's loss, on the same weights and images; the report is the
// MLP check's (gradcheck.hpp), one row per parameter conv1.K .. fc3.b.
//
//   auto r = typegrad::gradcheck::run_lenet({.batch = 4, .type = gradcheck::dtype::float32});
//   r.passed();
//
// run_lenet (link typegrad::gradcheck) draws the network and checks the compiled
// nn::classifier<nn::lenet5>; check_lenet (typegrad::gradcheck_core, no network compiled)
// checks any typegrad gradient of LeNet-5. A model and its weights, as the trainer has
// them, go through gradcheck/lenet_model.hpp.
#pragma once

#include <xtensor/xtensor.hpp>

#include <typegrad/gradcheck.hpp>
#include <typegrad/reference/lenet.hpp>

namespace typegrad::gradcheck {

// The weights and data one check runs on, in double: theta in nn::lenet5's parameter
// order and shapes (nn::lenet5_shapes), x 784 × m images, y 10 × m one-hot columns.
struct lenet_network {
    reference::lenet_params<double> theta;
    xt::xtensor<double, 2> x, y;
};

// A gradient of LeNet-5 in the reference's layout: returns J and overwrites grads with
// ∂J/∂θ for each parameter (as reference::lenet<T>::gradient does).
template <class T>
using lenet_gradient_fn = T (*)(const reference::lenet_params<T>& theta, const xt::xtensor<T, 2>& x,
                                const xt::xtensor<T, 2>& y, reference::lenet_params<T>& grads);

// The options LeNet-5 reads are batch, type, seed, fd_samples and perturb (added to
// entry (0, 0) of typegrad's ∂J/∂conv1.K, the first parameter); layers, hidden and out
// describe an MLP and are not read. The tolerances are those of tolerances_for(type), the
// finite-difference step and the kink policy are in src/gradcheck/lenet.cpp.

// He-uniform weights (reference::lenet_random_params), biases U(−0.25, 0.25), pixels
// U(0, 1), one-hot targets, all from opts.seed. Throws std::invalid_argument for batch 0
// or a batch over 1024.
lenet_network random_lenet_network(const options& opts);

// Compares `typegrad` (evaluated in T on the network rounded to T) with reference::lenet
// in T and with finite differences of reference::lenet<double>'s loss. opts.batch must be
// net's batch and opts.type T's dtype.
template <class T>
report check_lenet(const options& opts, const lenet_network& net, lenet_gradient_fn<T> typegrad);

extern template report check_lenet<float>(const options&, const lenet_network&, lenet_gradient_fn<float>);
extern template report check_lenet<double>(const options&, const lenet_network&, lenet_gradient_fn<double>);

// random_lenet_network(opts), checked against the compiled nn::classifier<nn::lenet5>.
report run_lenet(const options& opts);

} // namespace typegrad::gradcheck
