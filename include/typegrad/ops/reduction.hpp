// SPDX-License-Identifier: MIT
// What the reductions (sum and sum<axis> in reduce.hpp, extrema.hpp, prod.hpp,
// logsumexp.hpp) share: the shape rules of a reduction to 1×1 and along an axis
// (axis 0 reduces each column to a 1×n row, axis 1 each row to an m×1 column), and
// loops that fold each group of elements with a binary rule.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/broadcast.hpp>
#include <typegrad/ops/op_base.hpp>

namespace typegrad {

struct full_reduction : op_defaults {
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A>
    static constexpr static_dims static_shape() { return {1, 1}; }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>&) {
        out = {1, 1};
        return true;
    }
};

template <int Axis>
struct axis_reduction : op_defaults {
    static_assert(Axis == 0 || Axis == 1, "typegrad: a reduction along an axis: the axis must be 0 or 1");
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A>
    static constexpr static_dims static_shape() {
        return Axis == 0 ? static_dims{1, A::cols} : static_dims{A::rows, 1};
    }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = Axis == 0 ? shape2{1, in[0].cols} : shape2{in[0].rows, 1};
        return true;
    }
};

namespace detail {

// The adjoint of a reduction as it arrives (broadcast to the reduction's shape by the
// derivation), without that broadcast: the VJPs below multiply it by something of
// the operand's shape, which broadcasts it anyway, so Σ's adjoint 1 folds away
// (softmax(x), not 1 ⊙ softmax(x)).
template <class G>
constexpr auto unexpanded(G g) {
    if constexpr (is_op<G, expand_op>::value) return operand<0>(g);
    else return g;
}

// out(0, 0) = fold of every element of a with `combine`, starting from the first.
template <class T, class Combine>
void fold_all(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a, Combine combine) {
    T acc = a.data()[0];
    for (std::size_t i = 1; i < a.size(); ++i) acc = combine(acc, a.data()[i]);
    out(0, 0) = acc;
}

// Each column (Axis 0) or row (Axis 1) of a folded with `combine` into out.
template <int Axis, class T, class Combine>
void fold_axis(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a, Combine combine) {
    const std::size_t rows = a.shape(0), cols = a.shape(1);
    const T* p = a.data();
    T* o = out.data();
    if constexpr (Axis == 1) {
        for (std::size_t i = 0; i < rows; ++i) {
            T acc = p[i * cols];
            for (std::size_t j = 1; j < cols; ++j) acc = combine(acc, p[i * cols + j]);
            o[i] = acc;
        }
    } else {
        for (std::size_t j = 0; j < cols; ++j) o[j] = p[j];
        for (std::size_t i = 1; i < rows; ++i)
            for (std::size_t j = 0; j < cols; ++j) o[j] = combine(o[j], p[i * cols + j]);
    }
}

// "colmax" / "rowmax" in text, \operatorname{colmax} in LaTeX.
template <int Axis>
printed print_axis_reduction(std::string_view what, const printed& a, style s) {
    const std::string name = (Axis == 0 ? "col" : "row") + std::string(what);
    return print_call(name, "\\operatorname{" + name + "}", a, s);
}

} // namespace detail

} // namespace typegrad
