// SPDX-License-Identifier: MIT
// softmax and log_softmax over each column (features × batch: one distribution per
// example), computed with the max subtracted so no logit overflows.
#pragma once

#include <algorithm>
#include <cmath>

#include <typegrad/ops/functions.hpp>
#include <typegrad/ops/parallel.hpp>
#include <typegrad/ops/reduce.hpp>

namespace typegrad {

namespace detail {
template <class T>
T column_max(const xt::xtensor<T, 2>& z, std::size_t j) {
    const std::size_t rows = z.shape(0), cols = z.shape(1);
    const T* zp = z.data();
    T top = zp[j];
    for (std::size_t i = 1; i < rows; ++i) top = std::max(top, zp[i * cols + j]);
    return top;
}

// log Σᵢ exp(z(i, j)) for column j of z, with the column's maximum taken out first
// so no exponential overflows: the one log-sum-exp loop of the library.
template <class T>
T column_log_sum_exp(const xt::xtensor<T, 2>& z, std::size_t j) {
    const std::size_t rows = z.shape(0), cols = z.shape(1);
    const T* zp = z.data();
    const T top = column_max(z, j);
    T total = 0;
    for (std::size_t i = 0; i < rows; ++i) total += std::exp(zp[i * cols + j] - top);
    return std::log(total) + top;
}

// out(:, j) = log_softmax(z(:, j)) when Log, else softmax(z(:, j)); columns split
// over the loop threads, each computed as by one thread.
template <bool Log, class T>
void column_softmax(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& z) {
    const std::size_t rows = z.shape(0), cols = z.shape(1);
    const T* zp = z.data();
    T* o = out.data();
    parallel_blocks(cols, z.size(), 1, [&](std::size_t first, std::size_t last) {
        for (std::size_t j = first; j < last; ++j) {
            if constexpr (Log) {
                // z − logsumexp(z)
                const T log_total = column_log_sum_exp(z, j);
                for (std::size_t i = 0; i < rows; ++i) o[i * cols + j] = zp[i * cols + j] - log_total;
            } else {
                // exp(z − max z) / Σ exp(z − max z): one exponential per entry, and
                // exact where entries tie (the largest is exp(0) = 1).
                const T top = column_max(z, j);
                T total = 0;
                for (std::size_t i = 0; i < rows; ++i) total += o[i * cols + j] = std::exp(zp[i * cols + j] - top);
                for (std::size_t i = 0; i < rows; ++i) o[i * cols + j] /= total;
            }
        }
    });
}
} // namespace detail

// Not elementwise: each entry depends on its whole column.
struct softmax_op : same_shape {
    static constexpr std::string_view name = "softmax";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& z) { detail::column_softmax<false>(out, z); }
    // softmax(z)′ = s ⊙ (g − colsum(g ⊙ s)), with s = softmax(z)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self s, G g) { return s * (g - sum<0>(g * s)); }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("softmax", "\\operatorname{softmax}", a[0], s);
    }
};

struct log_softmax_op : same_shape {
    static constexpr std::string_view name = "log_softmax";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& z) { detail::column_softmax<true>(out, z); }
    // log_softmax(z)′ = g − exp(l) ⊙ colsum(g), with l = log_softmax(z)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self l, G g) { return g - exp(l) * sum<0>(g); }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("log_softmax", "\\operatorname{log\\_softmax}", a[0], s);
    }
};

template <node A>
constexpr auto softmax(A a) { return make<softmax_op>(a); }
template <node A>
constexpr auto log_softmax(A a) { return make<log_softmax_op>(a); }

} // namespace typegrad
