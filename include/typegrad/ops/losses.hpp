// SPDX-License-Identifier: MIT
// Losses, each a mean over the batch (the columns) of a sum over the outputs:
//   binary_cross_entropy(a, y)   = −(1/m) Σ y log a + (1 − y) log(1 − a)
//   softmax_cross_entropy(z, y)  = −(1/m) Σ y ⊙ log_softmax(z)      (z: logits)
//       y's columns must be distributions (one-hot or soft labels, each summing
//       to 1), as for PyTorch's cross_entropy: that is what makes ∂J/∂z = (softmax(z) − y)/m.
//   mse(a, y)                    =  (1/m) Σ (a − y)²
#pragma once

#include <algorithm>
#include <cmath>

#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/parallel.hpp>
#include <typegrad/ops/softmax.hpp>

namespace typegrad {

template <class Op>
struct loss_base : op_defaults {
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A, class Y>
    static constexpr static_dims static_shape() {
        static_assert(elementwise_shape_check<Op, A::rows, A::cols, Y::rows, Y::cols>::ok);
        return {1, 1};
    }
    template <class A, class Y>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = {1, 1};
        return in[0] == in[1];
    }
};

struct binary_cross_entropy_op : loss_base<binary_cross_entropy_op> {
    static constexpr std::string_view name = "binary_cross_entropy";
    // J = total(Σ term(a, y)) over every element. The executor sums the terms on SIMD
    // batches (the op opts in with `vectorized`; exec/loops.hpp's sum_of_terms); compute
    // is the scalar reference. log is clamped at −100 (as PyTorch does), so a saturated a
    // gives a large finite loss rather than infinity; NaN stays NaN, as std::max keeps it.
    static constexpr bool vectorized = true;
    template <class V>
    static V term(V a, V y) {
        const V floor(-100), one(1);
        const V log_a = math::log(a), log_not_a = math::log1p(-a);
        return y * math::select(log_a < floor, floor, log_a) +
               (one - y) * math::select(log_not_a < floor, floor, log_not_a);
    }
    template <class T>
    static T total(T sum, std::size_t m) { return -sum / T(m); }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& y) {
        const T* ap = a.data();
        const T* yp = y.data();
        const T acc = parallel_sum<T>(a.size(), a.size(), [&](std::size_t first, std::size_t last) {
            T part = 0;
            for (std::size_t i = first; i < last; ++i) part += term(ap[i], yp[i]);
            return part;
        });
        out(0, 0) = total(acc, a.shape(1));
    }
    // ∂J/∂a = (a − y) / (a ⊙ (1 − a)) / m. Written over the common denominator so
    // that, behind a sigmoid, the factor a ⊙ (1 − a) cancels against σ′.
    // ∂J/∂y = (log(1 − a) − log a) / m
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        constexpr auto a = operand<0>(self);
        constexpr auto y = operand<1>(self);
        if constexpr (K == 0) return g * ((a - y) / (a * (literal<1>{} - a)) / cols(y));
        else return g * ((log(literal<1>{} - a) - log(a)) / cols(y));
    }
    static printed print(const std::array<printed, 2>& a, style s) {
        if (s == style::latex) return {"\\operatorname{BCE}\\left(" + a[0].text + ", " + a[1].text + "\\right)", prec::postfix};
        return {"BCE(" + a[0].text + ", " + a[1].text + ")", prec::postfix};
    }
};

struct softmax_cross_entropy_op : loss_base<softmax_cross_entropy_op> {
    static constexpr std::string_view name = "softmax_cross_entropy";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& z, const xt::xtensor<T, 2>& y) {
        const std::size_t rows = z.shape(0), cols = z.shape(1);
        const T* zp = z.data();
        const T* yp = y.data();
        const T acc = parallel_sum<T>(cols, z.size(), [&](std::size_t first, std::size_t last) {
            T part = 0;
            for (std::size_t j = first; j < last; ++j) {
                const T log_total = detail::column_log_sum_exp(z, j);
                for (std::size_t i = 0; i < rows; ++i) part += yp[i * cols + j] * (zp[i * cols + j] - log_total);
            }
            return part;
        });
        out(0, 0) = -acc / T(cols);
    }
    // ∂J/∂z = (softmax(z) − y) / m — the fused form, finite for any logits;
    // ∂J/∂y = −log_softmax(z) / m
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        constexpr auto z = operand<0>(self);
        constexpr auto y = operand<1>(self);
        if constexpr (K == 0) return g * ((softmax(z) - y) / cols(y));
        else return g * (-log_softmax(z) / cols(y));
    }
    static printed print(const std::array<printed, 2>& a, style s) {
        if (s == style::latex) return {"\\operatorname{CE}\\left(\\operatorname{softmax}\\left(" + a[0].text + "\\right), " + a[1].text + "\\right)", prec::postfix};
        return {"CE(softmax(" + a[0].text + "), " + a[1].text + ")", prec::postfix};
    }
};

template <node A, node Y>
constexpr auto binary_cross_entropy(A a, Y y) { return make<binary_cross_entropy_op>(a, y); }
template <node Z, node Y>
constexpr auto softmax_cross_entropy(Z z, Y y) { return make<softmax_cross_entropy_op>(z, y); }
template <node A, node Y>
constexpr auto mse(A a, Y y) { return sum(square(a - y)) / cols(y); }

} // namespace typegrad
