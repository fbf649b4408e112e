// SPDX-License-Identifier: MIT
// The kernels: how one node of a schedule is computed into its buffer. A fused
// elementwise chain becomes one kernel object, built from the graph's tables, that
// loops.hpp runs over the output; products go to BLAS, other ops compute
// themselves from whole matrices.
//
// A kernel is a value at (i, j) of the output: a constant, a read of a buffer or
// bound value, or an op's `apply` over its operands' kernels. Broadcasting is
// static — a dimension broadcasts exactly where it is statically 1 — so a
// broadcast read is a zero stride known at compile time and the inner loop stays
// contiguous. Each kernel also says whether it can produce a SIMD batch of
// consecutive columns (`vectorized`): reads and constants can, a transposed read
// cannot (it is strided), an op can when it opted in and its operands can.
#pragma once

#include <algorithm>
#include <cstddef>
#include <utility>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/exec/loops.hpp>
#include <typegrad/exec/schedule.hpp>
#include <typegrad/exec/shapes.hpp>

namespace typegrad {

namespace kernels {

template <class T>
struct constant {
    T v;
    static constexpr bool vectorized = true;
    T operator()(std::size_t, std::size_t) const { return v; }
    template <class B>
    B load(std::size_t, std::size_t) const { return B(v); }
};

// A matrix read at (i, j), or at row 0 / column 0 where it broadcasts.
template <class T, bool RowBroadcast, bool ColBroadcast>
struct read {
    const T* p;
    std::size_t ld;
    static constexpr bool vectorized = true;
    T operator()(std::size_t i, std::size_t j) const { return p[(RowBroadcast ? 0 : i * ld) + (ColBroadcast ? 0 : j)]; }
    template <class B>
    B load(std::size_t i, std::size_t j) const {
        if constexpr (ColBroadcast) return B(p[RowBroadcast ? 0 : i * ld]);
        else return B::load_unaligned(p + (RowBroadcast ? 0 : i * ld) + j);
    }
};

// Aᵀ(i, j) = A(j, i), broadcast where the transpose is statically 1 wide.
template <class T, bool RowBroadcast, bool ColBroadcast>
struct transposed_read {
    const T* p;
    std::size_t ld;
    static constexpr bool vectorized = false;
    T operator()(std::size_t i, std::size_t j) const { return p[(ColBroadcast ? 0 : j) * ld + (RowBroadcast ? 0 : i)]; }
};

template <class Op, class A>
struct unary {
    A a;
    static constexpr bool vectorized = is_vectorized<Op>() && A::vectorized;
    auto operator()(std::size_t i, std::size_t j) const { return Op::apply(a(i, j)); }
    template <class B>
    B load(std::size_t i, std::size_t j) const { return Op::apply(a.template load<B>(i, j)); }
};

template <class Op, class A, class C>
struct binary {
    A a;
    C b;
    static constexpr bool vectorized = is_vectorized<Op>() && A::vectorized && C::vectorized;
    auto operator()(std::size_t i, std::size_t j) const { return Op::apply(a(i, j), b(i, j)); }
    template <class B>
    B load(std::size_t i, std::size_t j) const { return Op::apply(a.template load<B>(i, j), b.template load<B>(i, j)); }
};

} // namespace kernels

// Computes materialised nodes of the schedule Plan over Nodes, reading bound
// values, the buffers of earlier nodes and the inferred shapes.
template <class T, class Nodes, const auto& Plan, class Values>
class node_kernels {
    using tables = graph<Nodes>;
    template <std::size_t I>
    using node = typename tables::template node<I>;
    using matrix_t = xt::xtensor<T, 2>;

  public:
    node_kernels(const Values& values, const matrix_t* buffers, const shapes<Nodes>& shapes)
        : values_(values), buffers_(buffers), shapes_(shapes) {}

    // Computes node I into its buffer `out`.
    template <std::size_t I>
    void compute(matrix_t& out) const {
        using N = node<I>;
        if constexpr (is_literal_v<N>) {
            out.fill(N::template value<T>());
        } else if constexpr (is_symbol_v<N>) {
            const matrix_t& v = values_.template get<N::name>();
            std::copy_n(v.data(), v.size(), out.data());
        } else if constexpr (Plan.kind[I] == node_kind::elementwise || Plan.kind[I] == node_kind::view) {
            assign(out, body<I>());
        } else if constexpr (Plan.kind[I] == node_kind::gemm) {
            constexpr std::size_t a = tables::operands[I][0], b = tables::operands[I][1];
            blas::gemm(flag<a>(), flag<b>(), T(1), matrix<a>(), matrix<b>(), T(0), out);
        } else {
            [&]<std::size_t... K>(std::index_sequence<K...>) {
                N::op::compute(out, operand_for_compute<I, K>()...);
            }(std::make_index_sequence<operands_t<N>::size>{});
        }
    }

  private:
    template <std::size_t I, std::size_t K>
    decltype(auto) operand_for_compute() const {
        constexpr std::size_t j = tables::operands[I][K];
        if constexpr (!tables::reads_value[I][K]) return shapes_[j];
        else return matrix<j>();
    }

    // A node as a whole matrix: the bound value, its buffer, or for a transpose
    // read in place, its operand's (to be read with a transpose flag).
    template <std::size_t J>
    const matrix_t& matrix() const {
        if constexpr (is_symbol_v<node<J>>) return values_.template get<node<J>::name>();
        else if constexpr (Plan.transposed_read[J]) return matrix<tables::operands[J][0]>();
        else {
            static_assert(Plan.materialized[J], "typegrad: internal: matrix() of a fused node");
            return buffers_[J];
        }
    }

    template <std::size_t J>
    static constexpr blas::transpose flag() {
        return Plan.transposed_read[J] ? blas::transpose::yes : blas::transpose::no;
    }

    // Node J inside a loop over its consumer's output.
    template <std::size_t J>
    auto kernel() const {
        using N = node<J>;
        if constexpr (is_literal_v<N>) {
            return kernels::constant<T>{N::template value<T>()};
        } else if constexpr (is_symbol_v<N> || Plan.materialized[J]) {
            const matrix_t& m = matrix<J>();
            return kernels::read<T, N::rows == 1, N::cols == 1>{m.data(), m.shape(1)};
        } else {
            return body<J>();
        }
    }

    // What node J computes, as a kernel over its operands' kernels.
    template <std::size_t J>
    auto body() const {
        using N = node<J>;
        constexpr std::size_t a = tables::operands[J][0];
        if constexpr (Plan.kind[J] == node_kind::view && swaps_axes<N>()) {
            const matrix_t& m = matrix<a>();
            return kernels::transposed_read<T, N::rows == 1, N::cols == 1>{m.data(), m.shape(1)};
        } else if constexpr (Plan.kind[J] == node_kind::view) {
            return kernel<a>();
        } else if constexpr (operands_t<N>::size == 1) {
            using A = decltype(kernel<a>());
            return kernels::unary<typename N::op, A>{kernel<a>()};
        } else {
            constexpr std::size_t b = tables::operands[J][1];
            using A = decltype(kernel<a>());
            using B = decltype(kernel<b>());
            return kernels::binary<typename N::op, A, B>{kernel<a>(), kernel<b>()};
        }
    }

    const Values& values_;
    const matrix_t* buffers_;
    const shapes<Nodes>& shapes_;
};

} // namespace typegrad
