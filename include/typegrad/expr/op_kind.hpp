// SPDX-License-Identifier: MIT
// How a node is evaluated: part of the op contract (ops/op_base.hpp) and one
// column of the graph tables (expr/graph.hpp).
#pragma once

namespace typegrad {

// How the executor evaluates an op.
enum class op_kind {
    elementwise, // a scalar rule `apply`, fused into its consumer's loop
    gemm,        // a BLAS matrix product into a buffer
    compute,     // a routine writing its result into a buffer (reductions, softmax, losses)
};

// An op that only re-reads its operand (transpose, broadcast expansion) declares
// `static constexpr bool view = true`: it needs no forward rule of its own, and
// the graph tables report its kind as node_kind::view.
enum class node_kind { symbol, literal, elementwise, gemm, compute, view };

} // namespace typegrad
