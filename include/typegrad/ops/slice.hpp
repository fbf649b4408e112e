// SPDX-License-Identifier: MIT
// rows<first, last>(x) and cols<first, last>(x): the rows (columns) first, ...,
// last − 1 of x, a half-open range with static bounds as in xt::range. The adjoint of
// a slice is `pad`: the adjoint placed at the slice's position in a zero matrix of
// x's shape; the adjoint of pad is the slice again, so derivatives of any order stay
// in these two ops.
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/arithmetic.hpp>

namespace typegrad {

namespace detail {
// "x[1:3, :]" / "x[:, 1:3]"
template <int Axis, dim First, dim Last>
std::string range_text(style s) {
    const std::string r = std::to_string(First) + ":" + std::to_string(Last);
    const std::string all = s == style::latex ? "\\colon" : ":";
    return Axis == 0 ? r + ", " + all : all + ", " + r;
}

// Copies the block of `from` starting at (r0, c0) into `to` at (r1, c1), rows × cols.
template <class T>
void copy_block(const xt::xtensor<T, 2>& from, std::size_t r0, std::size_t c0, xt::xtensor<T, 2>& to,
                std::size_t r1, std::size_t c1, std::size_t rows, std::size_t cols) {
    for (std::size_t i = 0; i < rows; ++i)
        std::copy_n(from.data() + (r0 + i) * from.shape(1) + c0, cols, to.data() + (r1 + i) * to.shape(1) + c1);
}
} // namespace detail

// Axis 0 slices rows, axis 1 slices columns.
template <int Axis, dim First, dim Last>
struct slice_op : op_defaults {
    static_assert(0 <= First && First < Last, "typegrad: rows<first, last> / cols<first, last>: need 0 ≤ first < last");
    static constexpr std::string_view name = Axis == 0 ? "rows" : "cols";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A>
    static constexpr static_dims static_shape() {
        constexpr dim extent = Axis == 0 ? A::rows : A::cols;
        static_assert(extent == dyn || Last <= extent,
                      "typegrad: rows<first, last> / cols<first, last>: `last` is past the operand's static extent");
        return Axis == 0 ? static_dims{Last - First, A::cols} : static_dims{A::rows, Last - First};
    }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = Axis == 0 ? shape2{std::size_t(Last - First), in[0].cols} : shape2{in[0].rows, std::size_t(Last - First)};
        return (Axis == 0 ? in[0].rows : in[0].cols) >= std::size_t(Last);
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        detail::copy_block(a, Axis == 0 ? First : 0, Axis == 0 ? 0 : First, out, 0, 0, out.shape(0), out.shape(1));
    }
    // x[f:l]′ = pad(g) into x's shape
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return {parenthesize(a[0], prec::postfix, s) + "[" + detail::range_text<Axis, First, Last>(s) + "]", prec::postfix};
    }
    template <class A>
    static constexpr auto simplify(A) {
        if constexpr (detail::is_zero<A>::value) return literal<0>{}; // a zero adjoint
        else if constexpr (First == 0 && Last == (Axis == 0 ? A::rows : A::cols)) return A{}; // the whole of x
        else return expr<slice_op, no_label, A>{};
    }
};

// pad<axis, first, last>(g, like): zeros of like's shape, with g in rows (columns)
// first .. last − 1. like's value is never read.
template <int Axis, dim First, dim Last>
struct pad_op : op_defaults {
    static constexpr std::string_view name = "pad";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    static constexpr bool uses_value(std::size_t k) { return k == 0; }
    template <class G, class Like>
    static constexpr static_dims static_shape() {
        // An adjoint may have a dynamic shape where its slice's is static.
        constexpr dim extent = Axis == 0 ? G::rows : G::cols;
        static_assert(extent == dyn || extent == Last - First, "typegrad: internal: pad of a wrong extent");
        return static_dims{Like::rows, Like::cols};
    }
    template <class G, class Like>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = in[1];
        constexpr std::size_t extent = Last - First;
        return Axis == 0 ? in[0].rows == extent && in[0].cols == in[1].cols && in[1].rows >= std::size_t(Last)
                         : in[0].cols == extent && in[0].rows == in[1].rows && in[1].cols >= std::size_t(Last);
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& g, shape2) {
        out.fill(T(0));
        detail::copy_block(g, 0, 0, out, Axis == 0 ? First : 0, Axis == 0 ? 0 : First, g.shape(0), g.shape(1));
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 2>& a, style s) {
        if (s == style::latex)
            return {"\\operatorname{pad}_{" + detail::range_text<Axis, First, Last>(s) + "}\\left(" + a[0].text + "\\right)", prec::postfix};
        return {"pad[" + detail::range_text<Axis, First, Last>(s) + "](" + a[0].text + ")", prec::postfix};
    }
    template <class G, class Like>
    static constexpr auto simplify(G, Like) {
        if constexpr (detail::is_zero<G>::value) return literal<0>{};
        else return expr<pad_op, no_label, G, Like>{};
    }
};

template <dim First, dim Last, node A>
constexpr auto rows(A a) { return make<slice_op<0, First, Last>>(a); }
template <dim First, dim Last, node A>
constexpr auto cols(A a) { return make<slice_op<1, First, Last>>(a); }


template <int Axis, dim First, dim Last>
template <std::size_t K, class Self, class G>
constexpr auto slice_op<Axis, First, Last>::vjp(Self self, G g) {
    return make<pad_op<Axis, First, Last>>(g, operand<0>(self));
}

template <int Axis, dim First, dim Last>
template <std::size_t K, class Self, class G>
constexpr auto pad_op<Axis, First, Last>::vjp(Self, G g) {
    if constexpr (K == 0) return make<slice_op<Axis, First, Last>>(g);
    else return literal<0>{};
}

} // namespace typegrad
