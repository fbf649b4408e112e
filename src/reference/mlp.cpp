// SPDX-License-Identifier: MIT
// The manual "transpose-delta" reference MLP. Each layer's forward and backward sit
// side by side, as in llm.c's train_gpt2.c; backward functions take their arguments
// in a fixed order: gradients out, upstream gradient, cached forward values, dimensions
// (the dimensions a function needs beyond its matrices' shapes).
//
// Shape legend. Code indexes layers from 0, the seed from 1: code layer l maps
// a_[l] to a_[l+1], the seed's Θ(l+1) maps a(l+1) to a(l+2).
//   m            batch size (columns of x and y)
//   n[l]         sizes[l], units in layer l; n[0] inputs, n[L] outputs, L = layers()
//   x            n[0] × m        a(1), one example per column
//   y            n[L] × m        targets
//   W[l]         n[l+1] × n[l]   Θ
//   b[l]         n[l+1] × 1      added to every column
//   a_[l]        n[l] × m        activations, 1 ≤ l ≤ L; a_[L] = a(last); a_[0] is x itself
//   z_out_       n[L] × m        z(last), the logits the loss is computed from
//   delta_[l]    n[l] × m        δ = m · ∂J/∂z of layer l, 1 ≤ l ≤ L (δ(last) = a − y)
//   col_max_, col_sum_  m        softmax: per-column max(z) and Σ exp(z − max)
// Matrices are row-major xt::xtensor<T, 2>; every product goes through blas::gemm.
#include <typegrad/reference/mlp.hpp>

#include <typegrad/exec/gemm.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <utility>

namespace typegrad::reference {

namespace {

template <class T>
using matrix = xt::xtensor<T, 2>;
using blas::transpose;

// ---- linear: z = Θ a + b -------------------------------------------------------------

// z = Θ a + b
template <class T>
void linear_forward(matrix<T> &z, const matrix<T> &a, const matrix<T> &W, const matrix<T> &b) {
    blas::gemm(transpose::no, transpose::no, T(1), W, a, T(0), z); // z = Θ a
    const std::size_t rows = z.shape(0), m = z.shape(1);
    for (std::size_t i = 0; i < rows; ++i) { // z(i, :) += b(i)
        T *zi = z.data() + i * m;
        const T bi = b.data()[i];
        for (std::size_t j = 0; j < m; ++j)
            zi[j] += bi;
    }
}

// dW += δ aᵀ / m;  db += (row sums of δ) / m;  da = Θᵀ δ unless da is null (layer 0).
// The parameter gradients accumulate and are zeroed by the caller; da is overwritten,
// since each hidden δ has exactly one producer.
template <class T>
void linear_backward(matrix<T> *da, matrix<T> &dW, matrix<T> &db, const matrix<T> &delta,
                     const matrix<T> &a, const matrix<T> &W, std::size_t m) {
    const T inv_m = T(1) / static_cast<T>(m);
    blas::gemm(transpose::no, transpose::yes, inv_m, delta, a, T(1), dW); // ∂J/∂Θ += δ aᵀ / m
    const std::size_t rows = delta.shape(0);
    for (std::size_t i = 0; i < rows; ++i) { // ∂J/∂b(i) += Σ_j δ(i, j) / m
        const T *di = delta.data() + i * m;
        T sum = 0;
        for (std::size_t j = 0; j < m; ++j)
            sum += di[j];
        db.data()[i] += sum * inv_m;
    }
    if (da != nullptr) // Θᵀ δ: Θ is read transposed by gemm, never copied
        blas::gemm(transpose::yes, transpose::no, T(1), W, delta, T(0), *da);
}

// ---- hidden activation: a = g(z) -------------------------------------------------------

// a = g(z), in place: on entry the buffer holds z, on exit a.
template <class T>
void activation_forward(matrix<T> &a, activation g) {
    T *p = a.data();
    const std::size_t n = a.size();
    switch (g) {
    case activation::sigmoid: // σ(z) = 1 / (1 + e^−z)
        for (std::size_t i = 0; i < n; ++i)
            p[i] = T(1) / (T(1) + std::exp(-p[i]));
        break;
    case activation::tanh: // tanh(z)
        for (std::size_t i = 0; i < n; ++i)
            p[i] = std::tanh(p[i]);
        break;
    case activation::relu: // max(z, 0)
        for (std::size_t i = 0; i < n; ++i)
            p[i] = std::max(p[i], T(0));
        break;
    }
}

// δ(L) = (Θ(L)ᵀ δ(L+1)) ⊙ g′(z(L)), in place: on entry delta holds Θᵀ δ(L+1).
// g′ is read off the cached activation a = g(z).
template <class T>
void activation_backward(matrix<T> &delta, const matrix<T> &a, activation g) {
    T *d = delta.data();
    const T *p = a.data();
    const std::size_t n = delta.size();
    switch (g) {
    case activation::sigmoid: // σ′(z) = a (1 − a)
        for (std::size_t i = 0; i < n; ++i)
            d[i] *= p[i] * (T(1) - p[i]);
        break;
    case activation::tanh: // tanh′(z) = 1 − a²
        for (std::size_t i = 0; i < n; ++i)
            d[i] *= T(1) - p[i] * p[i];
        break;
    case activation::relu: // relu′(z) = step(a > 0)
        for (std::size_t i = 0; i < n; ++i)
            d[i] = p[i] > T(0) ? d[i] : T(0);
        break;
    }
}

// ---- output and cost -------------------------------------------------------------------

// a = σ(z);  J = −(1/m) Σ [y log a + (1−y) log(1−a)]
//              = (1/m) Σ [max(z, 0) − y z + log1p(e^−|z|)]   (from the logits: no log 0)
template <class T>
T sigmoid_bce_forward(matrix<T> &a, const matrix<T> &z, const matrix<T> &y) {
    const T *zp = z.data();
    const T *yp = y.data();
    T *ap = a.data();
    const std::size_t n = z.size(), m = z.shape(1);
    T sum = 0;
    for (std::size_t i = 0; i < n; ++i) {
        ap[i] = T(1) / (T(1) + std::exp(-zp[i]));
        sum += std::max(zp[i], T(0)) - yp[i] * zp[i] + std::log1p(std::exp(-std::abs(zp[i])));
    }
    return sum / static_cast<T>(m);
}

// a = softmax(z) over each column;  J = −(1/m) Σ y log a,
// with log a(i, j) = z(i, j) − max_k z(k, j) − log Σ_k e^(z(k, j) − max_k z(k, j)).
// Rows are contiguous, so the column reductions run row by row into col_max, col_sum.
template <class T>
T softmax_ce_forward(matrix<T> &a, xt::xtensor<T, 1> &col_max, xt::xtensor<T, 1> &col_sum,
                     const matrix<T> &z, const matrix<T> &y) {
    const std::size_t rows = z.shape(0), m = z.shape(1);
    T *mx = col_max.data();
    T *sm = col_sum.data();
    std::copy_n(z.data(), m, mx); // max_k z(k, j)
    for (std::size_t i = 1; i < rows; ++i) {
        const T *zi = z.data() + i * m;
        for (std::size_t j = 0; j < m; ++j)
            mx[j] = std::max(mx[j], zi[j]);
    }
    std::fill_n(sm, m, T(0)); // Σ_k e^(z(k, j) − max)
    for (std::size_t i = 0; i < rows; ++i) {
        const T *zi = z.data() + i * m;
        T *ai = a.data() + i * m;
        for (std::size_t j = 0; j < m; ++j) {
            ai[j] = std::exp(zi[j] - mx[j]);
            sm[j] += ai[j];
        }
    }
    T sum = 0; // Σ y log softmax(z)
    for (std::size_t i = 0; i < rows; ++i) {
        const T *zi = z.data() + i * m;
        const T *yi = y.data() + i * m;
        T *ai = a.data() + i * m;
        for (std::size_t j = 0; j < m; ++j) {
            ai[j] /= sm[j];
            sum += yi[j] * (zi[j] - mx[j] - std::log(sm[j]));
        }
    }
    return -sum / static_cast<T>(m);
}

// δ(last) = a − y, for both outputs. For sigmoid + BCE:
//   (−y/a + (1−y)/(1−a)) · a(1−a) = a − y;
// for softmax + CE: ∂/∂z(i) of −Σ_k y(k) log softmax(z)(k) = softmax(z)(i) − y(i) when Σ y = 1.
template <class T>
void cross_entropy_backward(matrix<T> &delta, const matrix<T> &a, const matrix<T> &y) {
    T *d = delta.data();
    const T *ap = a.data();
    const T *yp = y.data();
    const std::size_t n = delta.size();
    for (std::size_t i = 0; i < n; ++i)
        d[i] = ap[i] - yp[i];
}

// ---- argument checks -------------------------------------------------------------------

template <class Range>
std::string format_sizes(const Range &r) {
    std::ostringstream s;
    s << '(';
    bool first = true;
    for (auto v : r) {
        s << (first ? "" : ", ") << v;
        first = false;
    }
    s << ')';
    return s.str();
}

template <class T>
std::string format_shape(const matrix<T> &t) {
    return format_sizes(t.shape());
}

void check_sizes(const char *function, const std::vector<std::size_t> &sizes) {
    if (sizes.size() < 2 || std::find(sizes.begin(), sizes.end(), 0) != sizes.end())
        throw std::invalid_argument(std::string("typegrad::reference::") + function + ": sizes " +
                                    format_sizes(sizes) +
                                    " must have at least two entries, none of them 0");
}

template <class T>
void resize(matrix<T> &t, std::size_t rows, std::size_t cols) { // no-op when the shape fits
    t.resize(std::array<std::size_t, 2>{rows, cols});
}

} // namespace

// ---- the network -----------------------------------------------------------------------

template <class T>
mlp<T>::mlp(std::vector<std::size_t> sizes, activation hidden, head out)
    : sizes_(std::move(sizes)), hidden_(hidden), out_(out) {
    check_sizes("mlp::mlp", sizes_);
    a_.resize(sizes_.size());
    delta_.resize(sizes_.size());
    for (std::size_t l = 0; l < sizes_.size(); ++l) {
        resize(a_[l], sizes_[l], 0);
        resize(delta_[l], sizes_[l], 0);
    }
    resize(z_out_, sizes_.back(), 0);
}

template <class T>
void mlp<T>::check(const char *function, const mlp_params<T> &params, const xt::xtensor<T, 2> &x,
                   const xt::xtensor<T, 2> &y) const {
    // The message is built only on failure: a passing check must not allocate.
    const auto fail = [function](const std::string &what) {
        throw std::invalid_argument(std::string("typegrad::reference::mlp::") + function + ": " +
                                    what);
    };
    const std::size_t L = layers();
    if (params.W.size() != L || params.b.size() != L)
        fail("params has " + std::to_string(params.W.size()) + " weight matrices and " +
             std::to_string(params.b.size()) + " biases, but sizes " + format_sizes(sizes_) +
             " make " + std::to_string(L) + " layers");
    for (std::size_t l = 0; l < L; ++l) {
        const std::array<std::size_t, 2> w{sizes_[l + 1], sizes_[l]}, b{sizes_[l + 1], 1};
        if (!std::equal(w.begin(), w.end(), params.W[l].shape().begin()))
            fail("W[" + std::to_string(l) + "] has shape " + format_shape(params.W[l]) +
                 ", expected " + format_sizes(w));
        if (!std::equal(b.begin(), b.end(), params.b[l].shape().begin()))
            fail("b[" + std::to_string(l) + "] has shape " + format_shape(params.b[l]) +
                 ", expected " + format_sizes(b));
    }
    const std::size_t m = x.shape(1);
    if (x.shape(0) != sizes_.front() || m == 0)
        fail("x has shape " + format_shape(x) + ", expected (" + std::to_string(sizes_.front()) +
             ", m) with m >= 1");
    if (y.shape(0) != sizes_.back() || y.shape(1) != m)
        fail("y has shape " + format_shape(y) + ", expected (" + std::to_string(sizes_.back()) +
             ", " + std::to_string(m) + ") to match x " + format_shape(x));
}

// Allocates the work buffers for a batch of m columns; nothing happens if m is unchanged.
template <class T>
void mlp<T>::reserve(std::size_t m) {
    if (m == batch_)
        return;
    for (std::size_t l = 1; l < sizes_.size(); ++l) {
        resize(a_[l], sizes_[l], m);
        resize(delta_[l], sizes_[l], m);
    }
    resize(z_out_, sizes_.back(), m);
    col_max_.resize(std::array<std::size_t, 1>{m});
    col_sum_.resize(std::array<std::size_t, 1>{m});
    batch_ = m;
}

template <class T>
T mlp<T>::forward(const mlp_params<T> &params, const xt::xtensor<T, 2> &x,
                  const xt::xtensor<T, 2> &y) {
    const std::size_t L = layers();
    for (std::size_t l = 0; l < L; ++l) {
        const matrix<T> &in = l == 0 ? x : a_[l];
        if (l + 1 < L) {
            linear_forward(a_[l + 1], in, params.W[l], params.b[l]); // z(l+1) = Θ a(l) + b
            activation_forward(a_[l + 1], hidden_);                  // a(l+1) = g(z(l+1))
        } else {
            linear_forward(z_out_, in, params.W[l], params.b[l]); // z(last), kept for the loss
        }
    }
    switch (out_) {
    case head::sigmoid_bce:
        return sigmoid_bce_forward(a_[L], z_out_, y);
    case head::softmax_ce:
        return softmax_ce_forward(a_[L], col_max_, col_sum_, z_out_, y);
    }
    return T(0); // unreachable
}

template <class T>
T mlp<T>::loss(const mlp_params<T> &params, const xt::xtensor<T, 2> &x,
               const xt::xtensor<T, 2> &y) {
    check("loss", params, x, y);
    reserve(x.shape(1));
    return forward(params, x, y);
}

template <class T>
T mlp<T>::gradient(const mlp_params<T> &params, const xt::xtensor<T, 2> &x,
                   const xt::xtensor<T, 2> &y, mlp_params<T> &grads) {
    check("gradient", params, x, y);
    const std::size_t L = layers(), m = x.shape(1);
    reserve(m);
    grads.W.resize(L);
    grads.b.resize(L);
    for (std::size_t l = 0; l < L; ++l) { // shape once, then zero: backward accumulates
        resize(grads.W[l], sizes_[l + 1], sizes_[l]);
        resize(grads.b[l], sizes_[l + 1], 1);
        std::fill(grads.W[l].begin(), grads.W[l].end(), T(0));
        std::fill(grads.b[l].begin(), grads.b[l].end(), T(0));
    }

    const T J = forward(params, x, y);

    cross_entropy_backward(delta_[L], a_[L], y); // δ(last) = a(last) − y
    for (std::size_t l = L; l-- > 0;) {
        const matrix<T> &in = l == 0 ? x : a_[l];
        // ∂J/∂Θ(l) = δ(l+1) a(l)ᵀ / m, ∂J/∂b(l) = Σ_columns δ(l+1) / m, and Θ(l)ᵀ δ(l+1)
        linear_backward(l == 0 ? nullptr : &delta_[l], grads.W[l], grads.b[l], delta_[l + 1], in,
                        params.W[l], m);
        if (l > 0)
            activation_backward(delta_[l], a_[l], hidden_); // δ(l) = (Θᵀ δ(l+1)) ⊙ g′(z(l))
    }
    return J;
}

// ---- initialisation --------------------------------------------------------------------

template <class T>
mlp_params<T> random_params(const std::vector<std::size_t> &sizes, std::uint64_t seed) {
    check_sizes("random_params", sizes);
    // std::mt19937_64's output is fixed by the standard; the distributions are not, so
    // the uniform is made by hand: the top 53 bits as a double in [0, 1).
    std::mt19937_64 engine(seed);
    const auto uniform = [&engine] { return static_cast<double>(engine() >> 11) * 0x1.0p-53; };
    mlp_params<T> p;
    for (std::size_t l = 0; l + 1 < sizes.size(); ++l) {
        const double r = std::sqrt(6.0 / static_cast<double>(sizes[l] + sizes[l + 1]));
        matrix<T> W = xt::zeros<T>({sizes[l + 1], sizes[l]});
        for (auto &w : W)
            w = static_cast<T>(r * (2.0 * uniform() - 1.0)); // U(−r, r)
        p.W.push_back(std::move(W));
        p.b.push_back(xt::zeros<T>({sizes[l + 1], std::size_t{1}}));
    }
    return p;
}

template class mlp<float>;
template class mlp<double>;
template mlp_params<float> random_params<float>(const std::vector<std::size_t> &, std::uint64_t);
template mlp_params<double> random_params<double>(const std::vector<std::size_t> &, std::uint64_t);

} // namespace typegrad::reference
