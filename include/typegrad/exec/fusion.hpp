// SPDX-License-Identifier: MIT
// The kernels: how one node of a schedule is computed into its buffer. A fused
// elementwise chain becomes one kernel object, built from the planned nodes (planned.hpp), that
// loops.hpp runs over the output; products go to BLAS (or, with a patch matrix
// left without a buffer, to patch_products.hpp), other ops compute themselves from
// whole matrices.
//
// A kernel is a value at (i, j) of the output: a constant, a read of a buffer or
// bound value, or an op's `apply` over its operands' kernels. Broadcasting is
// static — a dimension broadcasts exactly where it is statically 1 — so a
// broadcast read is a zero stride known at compile time and the inner loop stays
// contiguous; a reshaping view is a read of its operand's buffer with its own row
// length. Each kernel also says whether it can produce a SIMD batch of
// consecutive columns (`vectorized`): reads and constants can, a transposed read
// cannot (it is strided), an op can when it opted in and its operands can.
#pragma once

#include <algorithm>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/exec/loops.hpp>
#include <typegrad/exec/patch_products.hpp>
#include <typegrad/exec/planned.hpp>
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

// What the kernels read at run time, each indexed by node id: the bound values (of
// the symbol nodes), the buffers of earlier nodes and the inferred shapes. Not the
// values(...) object itself: its type spells every binding, and it was in the symbol
// of every kernel (signature.hpp says why a symbol's length costs).
template <class T>
struct kernel_inputs {
    const xt::xtensor<T, 2>* const* bound;
    const xt::xtensor<T, 2>* buffers;
    const shape2* shapes;
};

namespace kernels {

// A node as a whole matrix: the bound value, its buffer, or for a transpose read
// in place, its operand's (to be read with a transpose flag).
template <class P, class T>
const xt::xtensor<T, 2>& matrix(const kernel_inputs<T>& in) {
    using N = typename P::type;
    if constexpr (is_symbol<N>::value) return *in.bound[P::id];
    else if constexpr (P::transposed_read) return matrix<typename P::template operand<0>>(in);
    else {
        static_assert(P::materialized, "typegrad: internal: matrix() of a fused node");
        return in.buffers[P::id];
    }
}

// A patch matrix the schedule gave no buffer: its products run from its images.
template <class P>
constexpr bool patches_in_place() {
    return read_in_place_by_products<typename P::type>() && !P::materialized;
}
// Its transpose, read in place too.
template <class P>
constexpr bool transposed_patches_in_place() {
    if constexpr (P::transposed_read) return patches_in_place<typename P::template operand<0>>();
    else return false;
}

template <class P>
constexpr blas::transpose flag() {
    return P::transposed_read ? blas::transpose::yes : blas::transpose::no;
}

template <class P, class T>
auto body(const kernel_inputs<T>& in);

// Node P inside a loop over its consumer's output.
template <class P, class T>
auto kernel(const kernel_inputs<T>& in) {
    using N = typename P::type;
    if constexpr (is_literal<N>::value) {
        return constant<T>{N::template value<T>()};
    } else if constexpr (is_symbol<N>::value || P::materialized) {
        const xt::xtensor<T, 2>& m = matrix<P>(in);
        return read<T, N::rows == 1, N::cols == 1>{m.data(), m.shape(1)};
    } else {
        return body<P>(in);
    }
}

// What node P computes, as a kernel over its operands' kernels.
template <class P, class T>
auto body(const kernel_inputs<T>& in) {
    using N = typename P::type;
    using A = typename P::template operand<0>;
    if constexpr (P::kind == node_kind::view && swaps_axes<N>()) {
        const xt::xtensor<T, 2>& m = matrix<A>(in);
        return transposed_read<T, N::rows == 1, N::cols == 1>{m.data(), m.shape(1)};
    } else if constexpr (P::kind == node_kind::view && reshapes<N>()) {
        const xt::xtensor<T, 2>& m = matrix<A>(in); // the same values in the same order, P's rows and columns
        return read<T, N::rows == 1, N::cols == 1>{m.data(), in.shapes[P::id].cols};
    } else if constexpr (P::kind == node_kind::view) {
        return kernel<A>(in);
    } else if constexpr (N::arity == 1) {
        return unary<typename N::op, decltype(kernel<A>(in))>{kernel<A>(in)};
    } else {
        using B = typename P::template operand<1>;
        return binary<typename N::op, decltype(kernel<A>(in)), decltype(kernel<B>(in))>{kernel<A>(in), kernel<B>(in)};
    }
}

// An operand as an op's compute takes it: its matrix, or its shape when the op
// reads only that.
template <class P, bool Value, class T>
decltype(auto) compute_operand(const kernel_inputs<T>& in) {
    if constexpr (!Value) return in.shapes[P::id];
    else return matrix<P>(in);
}

// Computes materialised node P (planned<…>::computed) into its buffer `out`.
template <class P, class T>
void compute(xt::xtensor<T, 2>& out, const kernel_inputs<T>& in) {
    using N = typename P::type;
    if constexpr (is_literal<N>::value) {
        out.fill(N::template value<T>());
    } else if constexpr (is_symbol<N>::value) {
        const xt::xtensor<T, 2>& v = *in.bound[P::id];
        std::copy_n(v.data(), v.size(), out.data());
    } else if constexpr (P::kind == node_kind::elementwise || P::kind == node_kind::view) {
        assign(out, body<P>(in));
    } else if constexpr (P::kind == node_kind::gemm) {
        using A = typename P::template operand<0>;
        using B = typename P::template operand<1>;
        if constexpr (patches_in_place<B>()) // K · patches(x), from x
            patch_products::times<typename B::type::op::window, N::rows>(out, matrix<A>(in), matrix<typename B::template operand<0>>(in));
        else if constexpr (transposed_patches_in_place<B>()) { // D · patches(x)ᵀ
            using X = typename B::template operand<0>::template operand<0>;
            patch_products::times_transposed<typename B::template operand<0>::type::op::window, N::rows>(out, matrix<A>(in), matrix<X>(in));
        } else
            blas::gemm(flag<A>(), flag<B>(), T(1), matrix<A>(in), matrix<B>(in), T(0), out);
    } else if constexpr (requires { N::op::template term<T>(T(), T()); }) {
        // A loss that is a sum of elementwise terms: summed on SIMD batches here, the op's
        // compute being the scalar reference of the same terms.
        using A = typename P::template operand<0>;
        using B = typename P::template operand<1>;
        out(0, 0) = N::op::total(sum_of_terms<typename N::op>(matrix<A>(in), matrix<B>(in)), matrix<A>(in).shape(1));
    } else {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            N::op::compute(out, compute_operand<typename P::template operand<K>, N::reads_value[K]>(in)...);
        }(std::make_index_sequence<N::arity>{});
    }
}

// Runs materialised node P: computes it into its buffer or, for a reshape that
// takes its operand's buffer over (TakesBuffer), swaps the two buffers (same size:
// pointers move, nothing is allocated) and relabels both shapes.
template <class P, bool TakesBuffer, class T>
void run(xt::xtensor<T, 2>* buffers, const shape2* shapes, const kernel_inputs<T>& in) {
    if constexpr (std::is_same<P, nothing>::value) {
        // a node without a buffer: computed inside its consumers' kernels
    } else if constexpr (TakesBuffer) {
        constexpr std::size_t i = P::id, a = P::template operand<0>::id;
        std::swap(buffers[i], buffers[a]);
        buffers[i].reshape({shapes[i].rows, shapes[i].cols});
        buffers[a].reshape({shapes[a].rows, shapes[a].cols});
    } else {
        compute<P>(buffers[P::id], in);
    }
}

} // namespace kernels

} // namespace typegrad
