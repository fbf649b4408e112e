// SPDX-License-Identifier: MIT
// logsumexp(x) = log Σ eˣ over every element, and logsumexp<axis>(x) over each
// column (axis 0, one value per example, as softmax) or each row (axis 1),
// computed with the maximum subtracted, so logits of ±1000 give finite results.
// The VJP is softmax: logsumexp<0>(x)′ = g ⊙ softmax(x), so the derived gradient
// prints and computes through softmax (a column or row vector's full logsumexp is
// its axis form, so it does too).
#pragma once

#include <algorithm>
#include <cmath>

#include <typegrad/ops/matmul.hpp>
#include <typegrad/ops/reduction.hpp>
#include <typegrad/ops/softmax.hpp>

namespace typegrad {

namespace detail {
// log Σ exp over n elements, `stride` apart.
template <class T>
T stable_logsumexp(const T* p, std::size_t n, std::size_t stride) {
    T top = p[0];
    for (std::size_t i = 1; i < n; ++i) top = std::max(top, p[i * stride]);
    if (std::isinf(top)) return top; // all −inf (log 0), or a +inf
    T total = 0;
    for (std::size_t i = 0; i < n; ++i) total += std::exp(p[i * stride] - top);
    return top + std::log(total);
}
} // namespace detail

struct logsumexp_op : full_reduction {
    static constexpr std::string_view name = "logsumexp";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        out(0, 0) = detail::stable_logsumexp(a.data(), a.size(), 1);
    }
    // logsumexp(x)′ = g ⊙ exp(x − logsumexp(x)), the softmax over every element
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        const auto u = detail::unexpanded(g);
        return u * exp(operand<0>(self) - self);
    }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("logsumexp", "\\operatorname{logsumexp}", a[0], s);
    }
};

template <int Axis>
struct logsumexp_axis_op : axis_reduction<Axis> {
    static constexpr std::string_view name = Axis == 0 ? "col_logsumexp" : "row_logsumexp";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        const std::size_t rows = a.shape(0), cols = a.shape(1);
        if constexpr (Axis == 0)
            for (std::size_t j = 0; j < cols; ++j) out(0, j) = detail::stable_logsumexp(a.data() + j, rows, cols);
        else
            for (std::size_t i = 0; i < rows; ++i) out(i, 0) = detail::stable_logsumexp(a.data() + i * cols, cols, 1);
    }
    // col_logsumexp(x)′ = g ⊙ softmax(x); row_logsumexp(x)′ = g ⊙ softmax(xᵀ)ᵀ
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        const auto u = detail::unexpanded(g);
        if constexpr (Axis == 0) return u * softmax(operand<0>(self));
        else return u * transpose(softmax(transpose(operand<0>(self))));
    }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call(name, Axis == 0 ? "\\operatorname{col\\,logsumexp}" : "\\operatorname{row\\,logsumexp}", a[0], s);
    }
};

template <int Axis, node A>
constexpr auto logsumexp(A a) { return make<logsumexp_axis_op<Axis>>(a); }
// Over a column or a row vector, the full logsumexp is the axis form (its gradient is a softmax).
template <node A>
constexpr auto logsumexp(A a) {
    if constexpr (A::cols == 1 && A::rows != 1) return logsumexp<0>(a);
    else if constexpr (A::rows == 1 && A::cols != 1) return logsumexp<1>(a);
    else return make<logsumexp_op>(a);
}

} // namespace typegrad
