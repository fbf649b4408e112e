// SPDX-License-Identifier: MIT
// The manual reference: a multilayer perceptron whose backward pass is written by
// hand with the seed's "transpose-delta" formulas. typegrad's derived gradients are
// compared against it (values) and timed against it (speed).
//
// Activations are features × batch matrices (one example per column):
//   z(L+1) = Θ(L) a(L) + b(L),   a(L+1) = g(z(L+1)),   a(1) = x.
// The implementation, with a shape legend and each formula beside its code, is in
// src/reference/mlp.cpp.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/nn/kinds.hpp>

namespace typegrad::reference {

// The hidden activation and the output head are nn::activation and nn::head, the values
// the DSL's nn::mlp is made with (see nn/kinds.hpp for the head's formulas).
using nn::activation;
using nn::head;

// W[l] is sizes[l+1] × sizes[l], b[l] is sizes[l+1] × 1. Gradients use the same type.
template <class T>
struct mlp_params {
    std::vector<xt::xtensor<T, 2>> W, b;
};

template <class T>
class mlp {
  public:
    // sizes: units per layer, input first; at least two entries, none zero.
    mlp(std::vector<std::size_t> sizes, activation hidden, head out);

    // Forward pass only; returns J. x is sizes.front() × m, y is sizes.back() × m, m ≥ 1.
    T loss(const mlp_params<T> &params, const xt::xtensor<T, 2> &x, const xt::xtensor<T, 2> &y);

    // Forward and backward pass; returns J and overwrites grads with ∂J/∂W, ∂J/∂b.
    // grads is resized to the parameters' shapes if it does not have them already.
    // The work buffers are allocated when the batch size m changes, so repeated calls
    // with one batch shape (and grads already shaped) make no heap allocation.
    T gradient(const mlp_params<T> &params, const xt::xtensor<T, 2> &x, const xt::xtensor<T, 2> &y,
               mlp_params<T> &grads);

    // a(last) of the most recent forward pass: sizes.back() × m.
    const xt::xtensor<T, 2> &output_activations() const { return a_.back(); }

    const std::vector<std::size_t> &sizes() const { return sizes_; }
    std::size_t layers() const { return sizes_.size() - 1; }

  private:
    void check(const char *function, const mlp_params<T> &params, const xt::xtensor<T, 2> &x,
               const xt::xtensor<T, 2> &y) const;
    void reserve(std::size_t m);
    T forward(const mlp_params<T> &params, const xt::xtensor<T, 2> &x, const xt::xtensor<T, 2> &y);

    std::vector<std::size_t> sizes_;
    activation hidden_;
    head out_;

    // Work buffers for a batch of batch_ columns (see the legend in mlp.cpp).
    std::size_t batch_ = 0;
    std::vector<xt::xtensor<T, 2>> a_;     // a_[l] = a(l+1) for l ≥ 1; a_[0] unused (it is x)
    std::vector<xt::xtensor<T, 2>> delta_; // delta_[l] = δ(l+1) = ∂J/∂z(l+1) · m for l ≥ 1
    xt::xtensor<T, 2> z_out_;              // z(last): the loss is computed from logits
    xt::xtensor<T, 1> col_max_, col_sum_;  // softmax_ce: per-column max and Σ exp
};

// Xavier-uniform weights, W ~ U(−r, r) with r = √(6 / (fan_in + fan_out)), and zero
// biases. The same seed gives the same numbers on every platform and standard library.
template <class T>
mlp_params<T> random_params(const std::vector<std::size_t> &sizes, std::uint64_t seed);

extern template class mlp<float>;
extern template class mlp<double>;
extern template mlp_params<float> random_params<float>(const std::vector<std::size_t> &,
                                                       std::uint64_t);
extern template mlp_params<double> random_params<double>(const std::vector<std::size_t> &,
                                                         std::uint64_t);

} // namespace typegrad::reference
