// SPDX-License-Identifier: MIT
// Comparisons a > b, a < b, a >= b, a <= b, giving a 0/1 mask with numpy
// broadcasting, and where(mask, a, b), which picks a where the mask is nonzero and
// b elsewhere. A mask is piecewise constant: its derivative is zero wherever it is
// defined, so its VJP is the literal 0 and a mask never carries gradient back.
#pragma once

#include <array>
#include <cstddef>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/arithmetic.hpp>

namespace typegrad {

namespace detail {
// 𝟙(a ≷ b): the indicator, as step prints 𝟙(a > 0).
inline printed print_comparison(const std::array<printed, 2>& a, const char* text_op, const char* latex_op, style s) {
    const std::string inner = parenthesize(a[0], prec::add, s) + (s == style::latex ? latex_op : text_op) +
                              parenthesize(a[1], prec::add, s);
    return print_call("𝟙", "\\mathbb{1}", {inner, prec::atom}, s);
}
} // namespace detail

template <class Derived>
struct comparison : binary_elementwise<Derived> {
    // A mask is constant almost everywhere.
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G) { return literal<0>{}; }
};

struct greater_op : comparison<greater_op> {
    static constexpr std::string_view name = ">";
    template <class T>
    static T apply(T a, T b) { return a > b ? T(1) : T(0); }
    static printed print(const std::array<printed, 2>& a, style s) { return detail::print_comparison(a, " > ", " > ", s); }
};

struct less_op : comparison<less_op> {
    static constexpr std::string_view name = "<";
    template <class T>
    static T apply(T a, T b) { return a < b ? T(1) : T(0); }
    static printed print(const std::array<printed, 2>& a, style s) { return detail::print_comparison(a, " < ", " < ", s); }
};

struct greater_equal_op : comparison<greater_equal_op> {
    static constexpr std::string_view name = "≥";
    template <class T>
    static T apply(T a, T b) { return a >= b ? T(1) : T(0); }
    static printed print(const std::array<printed, 2>& a, style s) { return detail::print_comparison(a, " ≥ ", " \\geq ", s); }
};

struct less_equal_op : comparison<less_equal_op> {
    static constexpr std::string_view name = "≤";
    template <class T>
    static T apply(T a, T b) { return a <= b ? T(1) : T(0); }
    static printed print(const std::array<printed, 2>& a, style s) { return detail::print_comparison(a, " ≤ ", " \\leq ", s); }
};

template <node A, node B>
constexpr auto operator>(A a, B b) { return make<greater_op>(a, b); }
template <node A, node B>
constexpr auto operator<(A a, B b) { return make<less_op>(a, b); }
template <node A, node B>
constexpr auto operator>=(A a, B b) { return make<greater_equal_op>(a, b); }
template <node A, node B>
constexpr auto operator<=(A a, B b) { return make<less_equal_op>(a, b); }

// where(mask, a, b): a where mask ≠ 0, else b, all three broadcast to one shape.
// Three operands do not fit the executor's fused one- and two-operand loops, so it
// is computed into a buffer like a reduction.
struct where_op : op_defaults {
    static constexpr std::string_view name = "where";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    static constexpr bool broadcasts_operands = true;
    template <class M, class A, class B>
    static constexpr static_dims static_shape() {
        constexpr static_dims ma = broadcast_shape<where_op, M, A>();
        static_assert(elementwise_shape_check<where_op, ma.rows, ma.cols, B::rows, B::cols>::ok);
        return {detail::broadcast_dim(ma.rows, B::rows), detail::broadcast_dim(ma.cols, B::cols)};
    }
    template <class M, class A, class B>
    static bool shape(shape2& out, const std::array<shape2, 3>& in) {
        shape2 ma;
        const dim mr = detail::broadcast_dim(M::rows, A::rows), mc = detail::broadcast_dim(M::cols, A::cols);
        return broadcast_runtime(M::rows, in[0].rows, A::rows, in[1].rows, ma.rows) &&
               broadcast_runtime(M::cols, in[0].cols, A::cols, in[1].cols, ma.cols) &&
               broadcast_runtime(mr, ma.rows, B::rows, in[2].rows, out.rows) &&
               broadcast_runtime(mc, ma.cols, B::cols, in[2].cols, out.cols);
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& m, const xt::xtensor<T, 2>& a,
                        const xt::xtensor<T, 2>& b) {
        const std::size_t rows = out.shape(0), cols = out.shape(1);
        // The shape rule has checked that an extent differing from the output's is a broadcast 1.
        auto at = [&](const xt::xtensor<T, 2>& x, std::size_t i, std::size_t j) {
            return x.data()[(x.shape(0) == rows ? i : 0) * x.shape(1) + (x.shape(1) == cols ? j : 0)];
        };
        for (std::size_t i = 0; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j) out(i, j) = at(m, i, j) != T(0) ? at(a, i, j) : at(b, i, j);
    }
    // where(m, a, b)′ = (0, where(m, g, 0), where(m, 0, g)): each branch receives the
    // adjoint where it was chosen.
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 3>& a, style s) {
        if (s == style::latex)
            return {"\\operatorname{where}\\left(" + a[0].text + ", " + a[1].text + ", " + a[2].text + "\\right)", prec::postfix};
        return {"where(" + a[0].text + ", " + a[1].text + ", " + a[2].text + ")", prec::postfix};
    }
    template <class M, class A, class B>
    static constexpr auto simplify(M, A, B) {
        if constexpr (detail::is_zero<A>::value && detail::is_zero<B>::value) return literal<0>{}; // a zero adjoint
        else return expr<where_op, no_label, M, A, B>{};
    }
};

template <node M, node A, node B>
constexpr auto where(M m, A a, B b) { return make<where_op>(m, a, b); }

template <std::size_t K, class Self, class G>
constexpr auto where_op::vjp(Self self, G g) {
    if constexpr (K == 0) return literal<0>{};
    else if constexpr (K == 1) return where(operand<0>(self), g, literal<0>{});
    else return where(operand<0>(self), literal<0>{}, g);
}

} // namespace typegrad
