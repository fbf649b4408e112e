// SPDX-License-Identifier: MIT
// concat<axis>(a, b, ...): operands stacked vertically (axis 0, their rows one after
// another) or side by side (axis 1). The operands' extents along the axis must be
// static, so that each operand's adjoint is a slice with static bounds of the
// concatenation's adjoint. More than two operands nest: concat<0>(a, b, c) is
// concat<0>(a, concat<0>(b, c)).
#pragma once

#include <array>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/slice.hpp>

namespace typegrad {

namespace detail {
// Two extents that must agree: equal, or one of them known only at run time.
constexpr bool extents_agree(dim a, dim b) { return a == b || a == dyn || b == dyn; }
} // namespace detail

template <int Axis>
struct concat_op : op_defaults {
    static_assert(Axis == 0 || Axis == 1, "typegrad: concat<axis>: the axis must be 0 or 1");
    static constexpr std::string_view name = "concat";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A, class B>
    static constexpr static_dims static_shape() {
        constexpr dim a_along = Axis == 0 ? A::rows : A::cols, b_along = Axis == 0 ? B::rows : B::cols;
        constexpr dim a_across = Axis == 0 ? A::cols : A::rows, b_across = Axis == 0 ? B::cols : B::rows;
        static_assert(a_along != dyn && b_along != dyn,
                      "typegrad: concat<axis>: every operand needs a static extent along the axis (var<\"x\", rows, cols>)");
        static_assert(detail::extents_agree(a_across, b_across),
                      "typegrad: concat<axis>: the operands' extents across the axis differ");
        constexpr dim across = a_across == dyn ? b_across : a_across;
        return Axis == 0 ? static_dims{a_along + b_along, across} : static_dims{across, a_along + b_along};
    }
    template <class A, class B>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        if constexpr (Axis == 0) {
            out = {in[0].rows + in[1].rows, in[0].cols};
            return in[0].cols == in[1].cols;
        } else {
            out = {in[0].rows, in[0].cols + in[1].cols};
            return in[0].rows == in[1].rows;
        }
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b) {
        detail::copy_block(a, 0, 0, out, 0, 0, a.shape(0), a.shape(1));
        detail::copy_block(b, 0, 0, out, Axis == 0 ? a.shape(0) : 0, Axis == 0 ? 0 : a.shape(1), b.shape(0), b.shape(1));
    }
    // [a; b]′ = (g[0:m, :], g[m:m+n, :]), m and n the operands' rows
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g) {
        using A = meta::at<operands_t<Self>, 0>;
        using B = meta::at<operands_t<Self>, 1>;
        constexpr dim m = Axis == 0 ? A::rows : A::cols, n = Axis == 0 ? B::rows : B::cols;
        if constexpr (K == 0) return make<slice_op<Axis, 0, m>>(g);
        else return make<slice_op<Axis, m, m + n>>(g);
    }
    static printed print(const std::array<printed, 2>& a, style s) {
        if (s == style::latex)
            return {"\\begin{bmatrix} " + a[0].text + (Axis == 0 ? " \\\\ " : " & ") + a[1].text + " \\end{bmatrix}", prec::atom};
        return {"[" + a[0].text + (Axis == 0 ? "; " : ", ") + a[1].text + "]", prec::atom};
    }
};

template <int Axis, node A>
constexpr auto concat(A a) { return a; }
template <int Axis, node A, node B, node... Rest>
constexpr auto concat(A a, B b, Rest... rest) {
    return make<concat_op<Axis>>(a, concat<Axis>(b, rest...));
}

} // namespace typegrad
