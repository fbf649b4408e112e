// SPDX-License-Identifier: MIT
// The manual LeNet-5: each layer's forward and backward side by side, as in llm.c's
// train_gpt2.c; backward functions take gradients out, upstream gradient, cached
// forward values, dimensions. Gradients are overwritten (each has one producer).
//
// Shape legend (m = batch size; an image is a column of C·H·W rows, c·H·W + h·W + w):
//   x        784 × m          1×28×28 images
//   cols1_   25 × 784m        patches(x): row (c·5 + i)·5 + j, column p·m + n for position p
//   a1_      4704 × m         relu(K1 cols1 + b1): 6×28×28; the same memory as 6 × 784m
//   a2_      1176 × m         maxpool 2×2 of a1: 6×14×14;  arg2_: the a1 row of each max
//   cols2_   150 × 100m       patches(a2), 5×5 windows, no padding
//   a3_      1600 × m         relu(K2 cols2 + b2): 16×10×10 (= 16 × 100m)
//   a4_      400 × m          maxpool 2×2 of a3: 16×5×5;  arg4_
//   a5_      120 × m          relu(W1 a4 + b1)
//   a6_      84 × m           relu(W2 a5 + b2)
//   z3_      10 × m           W3 a6 + b3, the logits;  probs_ = softmax(z3) per column
//   d_*      like its forward buffer: ∂J/∂(that value)
#include <typegrad/reference/lenet.hpp>

#include <typegrad/exec/gemm.hpp>

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

namespace typegrad::reference {

namespace {

template <class T>
using matrix = xt::xtensor<T, 2>;
using blas::transpose;

struct geometry {
    std::size_t C, H, W, k, stride, pad;
    std::size_t out_h() const { return (H + 2 * pad - k) / stride + 1; }
    std::size_t out_w() const { return (W + 2 * pad - k) / stride + 1; }
    std::size_t positions() const { return out_h() * out_w(); }
};
constexpr geometry conv1_shape{1, 28, 28, 5, 1, 2}, conv2_shape{6, 14, 14, 5, 1, 0};
constexpr geometry pool1_shape{6, 28, 28, 2, 2, 0}, pool2_shape{16, 10, 10, 2, 2, 0};

template <class T>
void resize(matrix<T>& a, std::size_t rows, std::size_t cols) {
    if (a.shape(0) != rows || a.shape(1) != cols) a.resize({rows, cols});
}

// ---- convolution: z = K · patches(a) + b ------------------------------------------------

// cols(row (c·k + i)·k + j, column p·m + n) = a(c·H·W + ih·W + iw, n), 0 in the padding,
// where position p = oh·out_w + ow reads ih = oh·stride + i − pad, iw = ow·stride + j − pad.
template <class T>
void im2col(matrix<T>& cols, const matrix<T>& a, const geometry& g) {
    const std::size_t m = a.shape(1), P = g.positions();
    for (std::size_t c = 0; c < g.C; ++c)
        for (std::size_t i = 0; i < g.k; ++i)
            for (std::size_t j = 0; j < g.k; ++j)
                for (std::size_t oh = 0; oh < g.out_h(); ++oh)
                    for (std::size_t ow = 0; ow < g.out_w(); ++ow) {
                        const std::size_t row = (c * g.k + i) * g.k + j, p = oh * g.out_w() + ow;
                        T* dst = cols.data() + (row * P + p) * m;
                        const long ih = long(oh * g.stride + i) - long(g.pad), iw = long(ow * g.stride + j) - long(g.pad);
                        if (ih < 0 || iw < 0 || ih >= long(g.H) || iw >= long(g.W)) std::fill_n(dst, m, T(0));
                        else std::copy_n(a.data() + ((c * g.H + std::size_t(ih)) * g.W + std::size_t(iw)) * m, m, dst);
                    }
}

// The adjoint of im2col: every entry of cols added back onto the pixel it was read from.
template <class T>
void col2im(matrix<T>& a, const matrix<T>& cols, const geometry& g) {
    const std::size_t m = a.shape(1), P = g.positions();
    std::fill(a.begin(), a.end(), T(0));
    for (std::size_t c = 0; c < g.C; ++c)
        for (std::size_t i = 0; i < g.k; ++i)
            for (std::size_t j = 0; j < g.k; ++j)
                for (std::size_t oh = 0; oh < g.out_h(); ++oh)
                    for (std::size_t ow = 0; ow < g.out_w(); ++ow) {
                        const long ih = long(oh * g.stride + i) - long(g.pad), iw = long(ow * g.stride + j) - long(g.pad);
                        if (ih < 0 || iw < 0 || ih >= long(g.H) || iw >= long(g.W)) continue;
                        const std::size_t row = (c * g.k + i) * g.k + j, p = oh * g.out_w() + ow;
                        const T* src = cols.data() + (row * P + p) * m;
                        T* dst = a.data() + ((c * g.H + std::size_t(ih)) * g.W + std::size_t(iw)) * m;
                        for (std::size_t n = 0; n < m; ++n) dst[n] += src[n];
                    }
}

// z = K · cols + b, with z (Cout·P × m) read as Cout × P·m: the same memory.
template <class T>
void conv_forward(matrix<T>& z, matrix<T>& cols, const matrix<T>& a, const matrix<T>& K, const matrix<T>& b,
                  const geometry& g) {
    im2col(cols, a, g);
    const std::size_t cout = K.shape(0), n = cols.shape(1);
    blas::gemm(transpose::no, transpose::no, cout, n, K.shape(1), T(1), K.data(), K.shape(1), cols.data(), n, T(0),
               z.data(), n);
    for (std::size_t o = 0; o < cout; ++o) std::for_each(z.data() + o * n, z.data() + (o + 1) * n, [&](T& v) { v += b(o, 0); });
}

// dK = δ colsᵀ;  db = rowsum(δ);  dcols = Kᵀ δ and da = col2im(dcols) unless da is null,
// with δ (Cout·P × m) read as Cout × P·m.
template <class T>
void conv_backward(matrix<T>* da, matrix<T>* dcols, matrix<T>& dK, matrix<T>& db, const matrix<T>& delta,
                   const matrix<T>& cols, const matrix<T>& K, const geometry& g) {
    const std::size_t cout = K.shape(0), n = cols.shape(1), rows = K.shape(1);
    blas::gemm(transpose::no, transpose::yes, cout, rows, n, T(1), delta.data(), n, cols.data(), n, T(0), dK.data(), rows);
    for (std::size_t o = 0; o < cout; ++o) {
        T sum = 0;
        for (std::size_t q = 0; q < n; ++q) sum += delta.data()[o * n + q];
        db(o, 0) = sum;
    }
    if (da == nullptr) return;
    blas::gemm(transpose::yes, transpose::no, rows, n, cout, T(1), K.data(), rows, delta.data(), n, T(0), dcols->data(), n);
    col2im(*da, *dcols, g);
}

// ---- max-pooling: p = a at the argmax of each window ---------------------------------------

template <class T>
void maxpool_forward(matrix<T>& out, xt::xtensor<std::uint32_t, 2>& arg, const matrix<T>& a, const geometry& g) {
    const std::size_t m = a.shape(1);
    std::size_t r = 0;
    for (std::size_t c = 0; c < g.C; ++c)
        for (std::size_t oh = 0; oh < g.out_h(); ++oh)
            for (std::size_t ow = 0; ow < g.out_w(); ++ow, ++r)
                for (std::size_t n = 0; n < m; ++n) {
                    std::size_t best = (c * g.H + oh * g.stride) * g.W + ow * g.stride;
                    for (std::size_t i = 0; i < g.k; ++i)
                        for (std::size_t j = 0; j < g.k; ++j) {
                            const std::size_t row = (c * g.H + oh * g.stride + i) * g.W + ow * g.stride + j;
                            if (a(row, n) > a(best, n)) best = row;
                        }
                    arg(r, n) = std::uint32_t(best);
                    out(r, n) = a(best, n);
                }
}

// da = δ added at the argmax kept from the forward pass, zero elsewhere.
template <class T>
void maxpool_backward(matrix<T>& da, const matrix<T>& delta, const xt::xtensor<std::uint32_t, 2>& arg) {
    std::fill(da.begin(), da.end(), T(0));
    for (std::size_t r = 0; r < delta.shape(0); ++r)
        for (std::size_t n = 0; n < delta.shape(1); ++n) da(arg(r, n), n) += delta(r, n);
}

// ---- dense: z = Θ a + b --------------------------------------------------------------------

template <class T>
void linear_forward(matrix<T>& z, const matrix<T>& a, const matrix<T>& W, const matrix<T>& b) {
    blas::gemm(transpose::no, transpose::no, T(1), W, a, T(0), z);
    for (std::size_t i = 0; i < z.shape(0); ++i)
        for (std::size_t n = 0; n < z.shape(1); ++n) z(i, n) += b(i, 0);
}

// dΘ = δ aᵀ;  db = rowsum(δ);  da = Θᵀ δ
template <class T>
void linear_backward(matrix<T>& da, matrix<T>& dW, matrix<T>& db, const matrix<T>& delta, const matrix<T>& a,
                     const matrix<T>& W) {
    blas::gemm(transpose::no, transpose::yes, T(1), delta, a, T(0), dW);
    for (std::size_t i = 0; i < delta.shape(0); ++i) {
        T sum = 0;
        for (std::size_t n = 0; n < delta.shape(1); ++n) sum += delta(i, n);
        db(i, 0) = sum;
    }
    blas::gemm(transpose::yes, transpose::no, T(1), W, delta, T(0), da);
}

// ---- relu: a = max(z, 0), in place ---------------------------------------------------------

template <class T>
void relu_forward(matrix<T>& a) {
    for (auto& v : a) v = std::max(v, T(0));
}

// δ(z) = δ(a) ⊙ 𝟙(a > 0), in place
template <class T>
void relu_backward(matrix<T>& delta, const matrix<T>& a) {
    for (std::size_t i = 0; i < delta.size(); ++i)
        if (!(a.data()[i] > T(0))) delta.data()[i] = T(0);
}

// ---- output: J = −(1/m) Σ y log softmax(z);  δ(z) = (softmax(z) − y) / m -------------------

template <class T>
T softmax_ce_forward(matrix<T>& probs, const matrix<T>& z, const matrix<T>& y) {
    const std::size_t rows = z.shape(0), m = z.shape(1);
    T total = 0;
    for (std::size_t n = 0; n < m; ++n) {
        T top = z(0, n);
        for (std::size_t i = 1; i < rows; ++i) top = std::max(top, z(i, n));
        T sum = 0;
        for (std::size_t i = 0; i < rows; ++i) sum += std::exp(z(i, n) - top);
        const T log_sum = std::log(sum) + top;
        for (std::size_t i = 0; i < rows; ++i) {
            probs(i, n) = std::exp(z(i, n) - log_sum);
            total += y(i, n) * (z(i, n) - log_sum);
        }
    }
    return -total / T(m);
}

template <class T>
void softmax_ce_backward(matrix<T>& delta, const matrix<T>& probs, const matrix<T>& y) {
    const T inv_m = T(1) / T(y.shape(1));
    for (std::size_t i = 0; i < delta.size(); ++i) delta.data()[i] = (probs.data()[i] - y.data()[i]) * inv_m;
}

} // namespace

template <class T>
void lenet<T>::reserve(std::size_t m) {
    if (m == m_) return;
    m_ = m;
    resize(cols1_, 25, 784 * m), resize(a1_, 4704, m), resize(a2_, 1176, m), resize(cols2_, 150, 100 * m);
    resize(a3_, 1600, m), resize(a4_, 400, m), resize(a5_, 120, m), resize(a6_, 84, m), resize(z3_, 10, m);
    resize(probs_, 10, m);
    arg2_.resize({1176, m}), arg4_.resize({400, m});
    resize(d_z3_, 10, m), resize(d_a6_, 84, m), resize(d_a5_, 120, m), resize(d_a4_, 400, m);
    resize(d_a3_, 1600, m), resize(d_cols2_, 150, 100 * m), resize(d_a2_, 1176, m), resize(d_a1_, 4704, m);
}

template <class T>
T lenet<T>::forward(const lenet_params<T>& p, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y) {
    if (x.shape(0) != 784 || y.shape(0) != 10 || x.shape(1) != y.shape(1) || x.shape(1) == 0)
        throw std::invalid_argument("typegrad: reference::lenet: x must be 784 × m and y 10 × m, m ≥ 1");
    reserve(x.shape(1));
    conv_forward(a1_, cols1_, x, p[0], p[1], conv1_shape);
    relu_forward(a1_);
    maxpool_forward(a2_, arg2_, a1_, pool1_shape);
    conv_forward(a3_, cols2_, a2_, p[2], p[3], conv2_shape);
    relu_forward(a3_);
    maxpool_forward(a4_, arg4_, a3_, pool2_shape);
    linear_forward(a5_, a4_, p[4], p[5]);
    relu_forward(a5_);
    linear_forward(a6_, a5_, p[6], p[7]);
    relu_forward(a6_);
    linear_forward(z3_, a6_, p[8], p[9]);
    return softmax_ce_forward(probs_, z3_, y);
}

template <class T>
T lenet<T>::loss(const lenet_params<T>& p, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y) {
    return forward(p, x, y);
}

template <class T>
T lenet<T>::gradient(const lenet_params<T>& p, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
                     lenet_params<T>& g) {
    const T J = forward(p, x, y);
    for (std::size_t i = 0; i < p.size(); ++i) resize(g[i], p[i].shape(0), p[i].shape(1));
    softmax_ce_backward(d_z3_, probs_, y);
    linear_backward(d_a6_, g[8], g[9], d_z3_, a6_, p[8]);
    relu_backward(d_a6_, a6_);
    linear_backward(d_a5_, g[6], g[7], d_a6_, a5_, p[6]);
    relu_backward(d_a5_, a5_);
    linear_backward(d_a4_, g[4], g[5], d_a5_, a4_, p[4]);
    maxpool_backward(d_a3_, d_a4_, arg4_);
    relu_backward(d_a3_, a3_);
    conv_backward(&d_a2_, &d_cols2_, g[2], g[3], d_a3_, cols2_, p[2], conv2_shape);
    maxpool_backward(d_a1_, d_a2_, arg2_);
    relu_backward(d_a1_, a1_);
    conv_backward<T>(nullptr, nullptr, g[0], g[1], d_a1_, cols1_, p[0], conv1_shape);
    return J;
}

template <class T>
void lenet<T>::activation_pattern(std::vector<std::uint32_t>& out) const {
    out.clear();
    for (const auto* a : {&a1_, &a3_, &a5_, &a6_})
        for (auto v : *a) out.push_back(v > T(0) ? 1 : 0);
    out.insert(out.end(), arg2_.begin(), arg2_.end());
    out.insert(out.end(), arg4_.begin(), arg4_.end());
}

template <class T>
lenet_params<T> lenet_random_params(std::uint64_t seed) {
    static constexpr std::size_t shapes[10][2] = {{6, 25}, {6, 1}, {16, 150}, {16, 1}, {120, 400},
                                                  {120, 1}, {84, 120}, {84, 1}, {10, 84}, {10, 1}};
    std::mt19937_64 rng(seed);
    lenet_params<T> p;
    for (std::size_t i = 0; i < 10; ++i) {
        p[i] = xt::zeros<T>({shapes[i][0], shapes[i][1]});
        if (shapes[i][1] == 1) continue;
        const double bound = std::sqrt(6.0 / double(shapes[i][1]));
        for (auto& v : p[i]) v = T((2 * (double(rng() >> 11) * 0x1.0p-53) - 1) * bound);
    }
    return p;
}

template class lenet<float>;
template class lenet<double>;
template lenet_params<float> lenet_random_params<float>(std::uint64_t);
template lenet_params<double> lenet_random_params<double>(std::uint64_t);

} // namespace typegrad::reference
