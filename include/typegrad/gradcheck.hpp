// SPDX-License-Identifier: MIT
// Gradient checking: one multilayer perceptron built twice, as a typegrad expression
// (nn::mlp) and as the manual transpose-delta reference, from the same weights and data;
// their gradients are compared with each other and with central finite differences.
//
//   auto r = typegrad::gradcheck::run({.layers = {400, 25, 10}, .batch = 64});
//   r.parameters[0].typegrad_vs_fd.max_rel;   // fc1.W
//   r.passed();
//
// run(options) draws a random network and picks its nn::mlp among compiled depths (link
// typegrad::gradcheck); check(options, network, gradient) compares any typegrad gradient
// of an MLP with the reference (link typegrad::gradcheck_core, which compiles no network).
// A model and its weights, as the trainer has them, go through gradcheck/model.hpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/nn/kinds.hpp>
#include <typegrad/reference/mlp.hpp>

namespace typegrad::gradcheck {

using nn::activation;
using nn::head;
using nn::to_string;

enum class dtype { float32, float64 };

// Networks of 1 to max_depth weight layers (2 to max_depth + 1 sizes) are compiled in.
inline constexpr std::size_t max_depth = 6;

struct options {
    std::vector<std::size_t> layers; // units per layer, input first: at least 2, none 0
    std::size_t batch = 16;          // m ≥ 1 examples, one per column
    activation hidden = activation::sigmoid;
    head out = head::sigmoid_bce;
    dtype type = dtype::float64;
    std::uint64_t seed = 1;
    // Finite differences are taken on at most this many entries per parameter tensor
    // (always including the entry of largest |∂J/∂θ|); 0 means every entry.
    std::size_t fd_samples = 64;
    // For testing the checker itself: adds perturb · S to entry (0, 0) of typegrad's
    // gradient of the first parameter (∂J/∂fc1.W, or ∂J/∂conv1.K for LeNet-5; S: that
    // tensor's largest entry) before comparing. 0 leaves it alone.
    double perturb = 0;
};

// The weights and data one check runs on, in double: W[l] is layers[l+1] × layers[l],
// b[l] layers[l+1] × 1, x layers[0] × batch, y layers.back() × batch.
struct network {
    reference::mlp_params<double> theta;
    xt::xtensor<double, 2> x, y;
};

// A gradient of an MLP in the reference's layout: returns J and overwrites grads with
// ∂J/∂W[l], ∂J/∂b[l] (as reference::mlp<T>::gradient does).
template <class T>
using gradient_fn = T (*)(const reference::mlp_params<T>& theta, const xt::xtensor<T, 2>& x,
                          const xt::xtensor<T, 2>& y, reference::mlp_params<T>& grads);

// Differences between two gradients a, b of one parameter tensor, over the entries compared:
//   max_abs = max_i |a_i − b_i|
//   max_rel = max_i |a_i − b_i| / max(|a_i|, |b_i|, S)
// where S = max_j max(|typegrad_j|, |manual_j|) is the tensor's largest analytic gradient
// entry, the same for all three pairs; 0/0 counts as 0. The floor S makes this the largest
// difference relative to the tensor's scale: finite differences have only absolute
// accuracy (~1e-11 here), so an entry a thousand times smaller than the rest of its tensor
// cannot be checked to 1e-6 of itself, and rounding differences between two float
// evaluations are likewise proportional to the terms summed, not to a small result.
struct difference {
    double max_abs = 0;
    double max_rel = 0;
};

struct tolerances {
    double typegrad_vs_manual; // bound on max_rel between the two analytic gradients
    double vs_fd;              // bound on max_rel between either of them and finite differences
};

// double: 1e-10 and 1e-6. float: 2^8 ε_float ≈ 3.1e-5 for both. The reasoning is beside
// the definition in src/gradcheck/gradcheck.cpp.
tolerances tolerances_for(dtype type);

struct parameter_report {
    std::string name; // fc1.W, fc1.b, fc2.W, ...
    std::size_t rows = 0, cols = 0;
    std::size_t fd_checked = 0;    // entries compared with finite differences
    std::size_t fd_skipped = 0;    // relu and max-pool only: entries whose stencil crossed a kink (not compared)
    std::size_t fd_one_sided = 0;  // of fd_checked, those compared with a one-sided difference beside a kink
    difference typegrad_vs_manual, typegrad_vs_fd, manual_vs_fd;
};

struct report {
    options opts;
    tolerances tol{};
    double fd_step = 0; // h = fd_step · max(1, |θ|): MLPs 5e-3, or 3e-4 with relu; LeNet-5 1e-6
    double loss_typegrad = 0, loss_manual = 0;
    // Whether a hand-written reference took part (MLPs, LeNet-5). Without one
    // (gradcheck/differences.hpp) only typegrad_vs_fd is measured; the other pairs stay 0.
    bool manual = true;
    std::vector<parameter_report> parameters; // fc1.W, fc1.b, fc2.W, fc2.b, ...

    // The largest max_rel over all parameters, per pair.
    difference worst_typegrad_vs_manual() const;
    difference worst_typegrad_vs_fd() const;
    difference worst_manual_vs_fd() const;

    // One line per difference over its tolerance, e.g. "fc1.W: typegrad_vs_fd max_rel 3e-3 > 1e-06",
    // and one per tensor of a relu network whose finite differences checked no entry.
    std::vector<std::string> failures() const;
    bool passed() const { return failures().empty(); }
};

// Builds the network and data from opts.seed and compares the gradients.
// Throws std::invalid_argument, naming the option, for invalid options.
report run(const options& opts);

// The network run(opts) checks: Xavier-uniform weights, biases U(−0.25, 0.25), inputs
// U(−1, 1), targets {0, 1} (sigmoid_bce) or one-hot (softmax_ce), all from opts.seed.
network random_network(const options& opts);

// Compares `typegrad` (evaluated in T on the network rounded to T) with the reference in
// T and with finite differences of the reference's loss in double. opts.layers and
// opts.batch must describe net; opts.type must be T's dtype.
template <class T>
report check(const options& opts, const network& net, gradient_fn<T> typegrad);

extern template report check<float>(const options&, const network&, gradient_fn<float>);
extern template report check<double>(const options&, const network&, gradient_fn<double>);

// "400,25,10" → {400, 25, 10}. Throws std::invalid_argument for an empty entry, a
// non-digit, a zero, a number too large, fewer than 2 sizes or more than max_depth + 1.
std::vector<std::size_t> parse_layers(std::string_view text);

std::string to_string(dtype t);

// ∂J/∂W, ∂J/∂b of the typegrad MLP (nn::mlp) on these parameters and data,
// with the depth (params.W.size(), 1 to max_depth) chosen at run time; returns J.
// Same conventions as reference::mlp<T>::gradient. Throws std::invalid_argument for a
// depth out of range or shapes that do not chain.
template <class T>
T typegrad_mlp_gradient(activation hidden, head out, const reference::mlp_params<T>& params,
                        const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
                        reference::mlp_params<T>& grads);

extern template float typegrad_mlp_gradient<float>(activation, head,
                                                   const reference::mlp_params<float>&,
                                                   const xt::xtensor<float, 2>&,
                                                   const xt::xtensor<float, 2>&,
                                                   reference::mlp_params<float>&);
extern template double typegrad_mlp_gradient<double>(activation, head,
                                                     const reference::mlp_params<double>&,
                                                     const xt::xtensor<double, 2>&,
                                                     const xt::xtensor<double, 2>&,
                                                     reference::mlp_params<double>&);

} // namespace typegrad::gradcheck
