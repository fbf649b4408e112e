// SPDX-License-Identifier: MIT
// Shape rules, static and at run time. Static checks fail to compile with the op
// and both shapes in the diagnostic; run-time checks report the same through the
// executor, which adds the symbols involved.
#pragma once

#include <array>
#include <cstddef>
#include <string>

#include <typegrad/expr/node.hpp>

namespace typegrad {

// A run-time shape: rows × cols.
struct shape2 {
    std::size_t rows = 0;
    std::size_t cols = 0;
    constexpr bool operator==(const shape2&) const = default;
};

inline std::string to_string(shape2 s) { return std::to_string(s.rows) + "×" + std::to_string(s.cols); }

namespace detail {

constexpr bool dims_broadcast(dim a, dim b) { return a == b || a == 1 || b == 1 || a == dyn || b == dyn; }
constexpr dim broadcast_dim(dim a, dim b) {
    if (a == 1) return b;
    if (b == 1) return a;
    return a == dyn ? b : a;
}

} // namespace detail

// The instantiation of this template in a compiler diagnostic names the op (a
// type, which every compiler prints readably) and both static shapes (dyn = -1).
template <class Op, dim LeftRows, dim LeftCols, dim RightRows, dim RightCols>
struct elementwise_shape_check {
    static constexpr bool ok = detail::dims_broadcast(LeftRows, RightRows) &&
                               detail::dims_broadcast(LeftCols, RightCols);
    static_assert(ok, "typegrad: shape mismatch: the operands of an elementwise op neither match nor "
                      "broadcast (a dimension broadcasts only where it is statically 1); the op and "
                      "both shapes <rows, cols> are the arguments of elementwise_shape_check");
};

template <class Op, class A, class B>
constexpr static_dims broadcast_shape() {
    static_assert(elementwise_shape_check<Op, A::rows, A::cols, B::rows, B::cols>::ok);
    return {detail::broadcast_dim(A::rows, B::rows), detail::broadcast_dim(A::cols, B::cols)};
}

// Run-time broadcasting under the static rule: a dimension that is statically 1
// broadcasts; any other pair must agree exactly.
inline bool broadcast_runtime(dim static_a, std::size_t a, dim static_b, std::size_t b, std::size_t& out) {
    if (static_a == 1) { out = b; return true; }
    if (static_b == 1) { out = a; return true; }
    out = a;
    return a == b;
}

} // namespace typegrad
