// SPDX-License-Identifier: MIT
// Short stand-ins for node types, for the executor's per-node functions.
#pragma once

#include <array>
#include <cstddef>

#include <typegrad/expr/graph.hpp>
#include <typegrad/expr/node.hpp>

namespace typegrad {

// What the executor's per-node functions (shape inference, kernels) need to know of
// an op node: its op, its static shape, its arity and which operands it reads the
// values of. Not the node's own type: that spells the whole subgraph below it, so a
// deep node's symbols grew with the depth, GCC's mangler costs about the square of a
// name's length, and the executor's compile time grew ×3.85 from 20 to 40 hidden
// layers (issue 15; ×2.7 with signatures).
template <class Op, dim Rows, dim Cols, std::size_t Arity>
struct op_signature {
    using op = Op;
    static constexpr dim rows = Rows, cols = Cols;
    static constexpr std::size_t arity = Arity;
    static constexpr std::array<bool, max_arity> reads_value = detail::op_reads_value<Op, Arity>();
};

// A symbol or a literal is short and stays itself; an op node becomes its signature.
template <class N>
struct signature_of {
    using type = N;
};
template <class Op, class L, class... A>
struct signature_of<expr<Op, L, A...>> {
    using type = op_signature<Op, expr<Op, L, A...>::rows, expr<Op, L, A...>::cols, sizeof...(A)>;
};

// An op node with its operands' signatures, one level down: what a shape rule reads
// (their static shapes); nothing reads further down.
template <class Sig, class... OperandSigs>
struct shape_signature : Sig {
    using operands = meta::type_list<OperandSigs...>;
};
template <class N>
struct shape_signature_of {
    using type = typename signature_of<N>::type;
};
template <class Op, class L, class... A>
struct shape_signature_of<expr<Op, L, A...>> {
    using type = shape_signature<typename signature_of<expr<Op, L, A...>>::type, typename signature_of<A>::type...>;
};

} // namespace typegrad
