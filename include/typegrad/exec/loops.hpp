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

} // namespace typegrad
