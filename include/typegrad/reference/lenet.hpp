// SPDX-License-Identifier: MIT
// The manual reference for convolutional networks: LeNet-5 (conv 6@5×5 pad 2,
// relu, max-pool 2, conv 16@5×5, relu, max-pool 2, dense 120, relu, 84, relu, 10,
// softmax cross-entropy) with its backward pass written by hand in the seed's
// transpose-delta style, extended to convolution and pooling:
//
//   conv:   z = K · patches(a) + b     dK = δ patches(a)ᵀ,  db = rowsum(δ),  da = unpatch(Kᵀ δ)
//   pool:   p = a[argmax]              da = δ added at argmax (kept from the forward pass)
//   dense:  z = Θ a + b                dΘ = δ aᵀ,  db = rowsum(δ),  da = Θᵀ δ
//   relu:   a = max(z, 0)              δ(z) = δ(a) ⊙ 𝟙(a > 0)
//   output: J = −(1/m) Σ y log softmax(z)      δ(z) = (softmax(z) − y) / m
//
// Images are C·H·W × m matrices, one example per column (the layout typegrad's
// conv ops use; see ops/window.hpp). It is written independently of those ops: its
// own im2col/col2im loops, the same blas::gemm. Implementation: src/reference/lenet.cpp.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace typegrad::reference {

// conv1.K (6×25), conv1.b (6×1), conv2.K (16×150), conv2.b (16×1), fc1.W (120×400),
// fc1.b, fc2.W (84×120), fc2.b, fc3.W (10×84), fc3.b: the order of nn::lenet5's parameters.
template <class T>
using lenet_params = std::array<xt::xtensor<T, 2>, 10>;

template <class T>
class lenet {
  public:
    // J for images x (784 × m, values of 28×28 images) and one-hot targets y (10 × m).
    T loss(const lenet_params<T>& p, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y);

    // J, and ∂J/∂θ for every parameter into grads (resized if needed). Work buffers are
    // sized when m changes: repeated calls at one batch size make no heap allocation.
    T gradient(const lenet_params<T>& p, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
               lenet_params<T>& grads);

    // The logits z (10 × m) of the most recent forward pass.
    const xt::xtensor<T, 2>& logits() const { return z3_; }

    // Which side of each kink the most recent forward pass was on: every relu output's
    // a > 0 and every max-pool window's argmax, into out (overwritten). J is smooth in θ
    // while this stays the same, so a finite difference is only valid over a stencil
    // whose points all give the base point's pattern (gradcheck/lenet.hpp).
    void activation_pattern(std::vector<std::uint32_t>& out) const;

  private:
    T forward(const lenet_params<T>& p, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y);
    void reserve(std::size_t m);

    std::size_t m_ = 0;
    // forward (legend in lenet.cpp)
    xt::xtensor<T, 2> cols1_, a1_, a2_, cols2_, a3_, a4_, a5_, a6_, z3_, probs_;
    xt::xtensor<std::uint32_t, 2> arg2_, arg4_;
    // backward
    xt::xtensor<T, 2> d_z3_, d_a6_, d_a5_, d_a4_, d_a3_, d_cols2_, d_a2_, d_a1_;
};

// He-uniform weights (fan-in = columns) and zero biases, seeded.
template <class T>
lenet_params<T> lenet_random_params(std::uint64_t seed);

extern template class lenet<float>;
extern template class lenet<double>;
extern template lenet_params<float> lenet_random_params<float>(std::uint64_t);
extern template lenet_params<double> lenet_random_params<double>(std::uint64_t);

} // namespace typegrad::reference
