// SPDX-License-Identifier: MIT
// What every op provides, and the defaults most ops share. An op is a stateless
// tag type; its forward rule, vector-Jacobian product, shape rule and printed form
// are static members that sit together in the op's own header under ops/.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <typegrad/expr/node.hpp>
#include <typegrad/expr/shape.hpp>

namespace typegrad {

// How the executor evaluates a node.
enum class op_kind {
    elementwise, // a scalar rule `apply`, fused into its consumer's loop
    gemm,        // a BLAS matrix product into a buffer
    compute,     // a routine writing its result into a buffer (reductions, softmax, losses)
    view,        // operand 0 read in place through other indices: no arithmetic, no loop of its own.
                 // The op says how with `swaps_axes` (transpose: BLAS reads it as a flag) or not
                 // (broadcast expansion: the operand broadcasts where it is statically 1).
};

// Printed text with its binding strength, so the printer adds only the
// parentheses the maths needs.
namespace prec {
inline constexpr int add = 10;     // a + b, a − b
inline constexpr int mul = 20;     // a ⊙ b, a / b
inline constexpr int matmul = 25;  // A B
inline constexpr int neg = 30;     // −a
inline constexpr int postfix = 40; // Aᵀ, f(a)
inline constexpr int atom = 50;    // names, numbers
} // namespace prec

struct printed {
    std::string text;
    int precedence = prec::atom;
};

enum class style { text, latex };

inline std::string parenthesize(const printed& p, int min_precedence, style s) {
    if (p.precedence >= min_precedence) return p.text;
    return s == style::latex ? "\\left(" + p.text + "\\right)" : "(" + p.text + ")";
}

// f(a) in both styles; `latex_name` like "\\sigma" or "\\operatorname{relu}".
inline printed print_call(std::string_view text_name, std::string_view latex_name, const printed& a, style s) {
    if (s == style::latex) return {std::string(latex_name) + "\\left(" + a.text + "\\right)", prec::postfix};
    return {std::string(text_name) + "(" + a.text + ")", prec::postfix};
}

struct op_defaults {
    static constexpr op_kind kind = op_kind::elementwise;
    // True where the executor must hand the op whole buffers rather than lazy
    // expressions (BLAS, reductions, views with strides).
    static constexpr bool materialize_operands = false;
    // False for operands the op reads only the shape of (they are never computed
    // for it and receive no adjoint).
    static constexpr bool uses_value(std::size_t) { return true; }
    // True where an operand is broadcast to the op's own shape, so that the
    // derivation must sum (or scale) its adjoint back down to the operand's shape.
    static constexpr bool broadcasts_operands = false;
    // An elementwise op sets this when its `apply` also runs on a SIMD batch of T:
    // written with + − * /, comparisons, and ops/math.hpp's math::exp, math::select
    // (for a ? b : c) and the rest. The fused loops then take a chain of such ops a
    // batch at a time; a chain with any other op runs its scalar `apply`, which
    // stays the reference.
    static constexpr bool vectorized = false;
};

// Shape rule shared by the elementwise unary ops.
struct unary_elementwise : op_defaults {
    template <class A>
    static constexpr static_dims static_shape() { return shape_of<A>; }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = in[0];
        return true;
    }
};

// Shape rule shared by the elementwise binary ops: numpy broadcasting restricted
// to dimensions that are statically 1.
template <class Op>
struct binary_elementwise : op_defaults {
    static constexpr bool broadcasts_operands = true;
    template <class A, class B>
    static constexpr static_dims static_shape() { return broadcast_shape<Op, A, B>(); }
    template <class A, class B>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        return broadcast_runtime(A::rows, in[0].rows, B::rows, in[1].rows, out.rows) &&
               broadcast_runtime(A::cols, in[0].cols, B::cols, in[1].cols, out.cols);
    }
};

// Builds a node, letting the op rewrite it first (identities, folding,
// cancellation). Every node the library creates goes through here.
template <class Op, class... A>
constexpr auto make(A...) {
    if constexpr (requires { Op::simplify(A{}...); })
        return Op::simplify(A{}...);
    else
        return expr<Op, no_label, A...>{};
}

} // namespace typegrad
