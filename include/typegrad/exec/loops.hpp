// SPDX-License-Identifier: MIT
// The loop that runs a fused elementwise chain over its output. A kernel (see
// fusion.hpp) gives the value at (i, j) by its ops' scalar `apply`; when every op
// of the chain has opted in (`vectorized`), it also gives the values at
// (i, j .. j + W − 1) as one xsimd batch, and the loop takes W columns at a time
// with a scalar tail. The scalar path is the reference; the batch path agrees with
// it to within the bound tests/exec/simd.test.cpp checks (ulps, per op).
//
// Rows are split over loop_threads() (ops/parallel.hpp). Every element is computed
// by the same instructions whatever the split, so results do not depend on the
// thread count.
#pragma once

#include <cstddef>

#include <xsimd/xsimd.hpp>
#include <xtensor/xtensor.hpp>

#include <typegrad/exec/simd_math.hpp>
#include <typegrad/ops/parallel.hpp>

namespace typegrad {

// The SIMD instruction set of the fused loops: the widest this build targets, except
// in an unoptimised GCC build on AVX-512. Without __OPTIMIZE__, GCC defines its AVX-512
// intrinsics as macros with C casts, through which xsimd 8's AVX-512BW kernels do not
// compile (its select on 64-bit lanes: "invalid cast ... to type '__v64qi'"), so a
// debug build (and the random-graph tests, built at -O0) takes AVX2 there.
#if defined(__GNUC__) && !defined(__clang__) && !defined(__OPTIMIZE__) && XSIMD_WITH_AVX512BW
using simd_arch = xsimd::avx2;
#else
using simd_arch = xsimd::default_arch;
#endif

// The SIMD batch the fused loops use for T.
template <class T>
using simd_batch = xsimd::batch<T, simd_arch>;

// Whether an elementwise op's `apply` may run on simd_batch (the op opts in).
template <class Op>
constexpr bool is_vectorized() {
    if constexpr (requires { Op::vectorized; }) return Op::vectorized;
    else return false;
}

// out(i, j) = k(i, j) for every element.
template <class T, class Kernel>
void assign(xt::xtensor<T, 2>& out, const Kernel& k) {
    const std::size_t rows = out.shape(0), cols = out.shape(1);
    T* const o = out.data();
    parallel_blocks(rows, rows * cols, 1, [&](std::size_t first, std::size_t last) {
        for (std::size_t i = first; i < last; ++i) {
            T* const row = o + i * cols;
            std::size_t j = 0;
            if constexpr (Kernel::vectorized) {
                using batch = simd_batch<T>;
                for (; j + batch::size <= cols; j += batch::size)
                    k.template load<batch>(i, j).store_unaligned(row + j);
            }
            for (; j < cols; ++j) row[j] = k(i, j);
        }
    });
}

// Σ Op::term(a_k, y_k) over every element of two matrices of one shape, for the losses
// that are a sum of elementwise terms (binary cross-entropy): W elements at a time in
// batch lanes when the op opts in (`vectorized`), then the lanes and a scalar tail. The
// blocks are parallel_sum's, so with one thread the order depends on the size alone.
template <class Op, class T>
T sum_of_terms(const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& y) {
    const T* const ap = a.data();
    const T* const yp = y.data();
    return parallel_sum<T>(a.size(), a.size(), [&](std::size_t first, std::size_t last) {
        std::size_t k = first;
        T part = 0;
        if constexpr (is_vectorized<Op>()) {
            using batch = simd_batch<T>;
            batch lanes(T(0));
            for (; k + batch::size <= last; k += batch::size)
                lanes += Op::term(batch::load_unaligned(ap + k), batch::load_unaligned(yp + k));
            part = xsimd::hadd(lanes);
        }
        for (; k < last; ++k) part += Op::term(ap[k], yp[k]);
        return part;
    });
}

} // namespace typegrad
