// SPDX-License-Identifier: MIT
// reshape<rows, cols>(x): the elements of x in row-major order, laid out as
// rows × cols. Only where x's shape is static, so the element counts are checked at
// compile time and the adjoint, reshape back to x's shape, is static too.
#pragma once

#include <algorithm>
#include <array>
#include <string>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/arithmetic.hpp>

namespace typegrad {

template <dim Rows, dim Cols>
struct reshape_op;

namespace detail {
template <class T>
constexpr bool is_reshape_v = false;
template <dim R, dim C, class A>
constexpr bool is_reshape_v<expr<reshape_op<R, C>, no_label, A>> = true;
} // namespace detail

template <dim Rows, dim Cols>
struct reshape_op : op_defaults {
    static_assert(Rows > 0 && Cols > 0, "typegrad: reshape<rows, cols>: rows and cols must be positive");
    static constexpr std::string_view name = "reshape";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    // The user's x is static (reshape() checks it); an adjoint reshaped back may have
    // a type that leaves its extents open, so its element count is checked at run time.
    template <class A>
    static constexpr static_dims static_shape() {
        static_assert(A::rows == dyn || A::cols == dyn || A::rows * A::cols == Rows * Cols,
                      "typegrad: reshape<rows, cols>(x): the element counts differ");
        return {Rows, Cols};
    }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = {std::size_t(Rows), std::size_t(Cols)};
        return in[0].rows * in[0].cols == out.rows * out.cols;
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) { std::copy_n(a.data(), a.size(), out.data()); }
    // reshape(x)′ = reshape(g) to x's shape
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        const std::string dims = std::to_string(Rows) + (s == style::latex ? "\\times " : "×") + std::to_string(Cols);
        if (s == style::latex) return {"\\operatorname{reshape}_{" + dims + "}\\left(" + a[0].text + "\\right)", prec::postfix};
        return {"reshape" + dims + "(" + a[0].text + ")", prec::postfix};
    }
    template <class A>
    static constexpr auto simplify(A) {
        if constexpr (detail::is_zero<A>::value) return literal<0>{};                // a zero adjoint
        else if constexpr (A::rows == Rows && A::cols == Cols) return A{};       // already that shape
        else if constexpr (detail::is_reshape_v<A>)                               // reshape(reshape(x)) = reshape(x)
            return make<reshape_op>(operand<0>(A{}));
        else return expr<reshape_op, no_label, A>{};
    }
};

template <dim Rows, dim Cols, node A>
constexpr auto reshape(A a) {
    static_assert(A::rows != dyn && A::cols != dyn,
                  "typegrad: reshape<rows, cols>(x) requires x's shape to be static (var<\"x\", rows, cols>)");
    return make<reshape_op<Rows, Cols>>(a);
}

template <dim Rows, dim Cols>
template <std::size_t K, class Self, class G>
constexpr auto reshape_op<Rows, Cols>::vjp(Self, G g) {
    using A = meta::at<operands_t<Self>, 0>;
    return make<reshape_op<A::rows, A::cols>>(g);
}

} // namespace typegrad
