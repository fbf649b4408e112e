// SPDX-License-Identifier: MIT
// The one interface through which every matrix product goes: the executor, the
// manual reference and the benchmarks all call `blas::gemm`, so swapping the
// backend changes all of them at once and a comparison measures the framework.
// blas::tune() (openblas_kernel.hpp, compiled) picks OpenBLAS's kernel; programs call
// it once at startup.
#pragma once

#include <cblas.h>

#include <cstddef>
#include <stdexcept>
#include <string>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/openblas_kernel.hpp>

namespace typegrad::blas {

enum class transpose : bool { no = false, yes = true };

inline CBLAS_TRANSPOSE cblas_flag(transpose t) { return t == transpose::yes ? CblasTrans : CblasNoTrans; }

// C = alpha · op(A) op(B) + beta · C, all row-major; op(A) is m×k, op(B) is k×n.
inline void gemm(transpose ta, transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
                 const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
                 std::size_t ldc) {
    cblas_sgemm(CblasRowMajor, cblas_flag(ta), cblas_flag(tb), int(m), int(n), int(k), alpha, a, int(lda),
                b, int(ldb), beta, c, int(ldc));
}

inline void gemm(transpose ta, transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
                 const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta,
                 double* c, std::size_t ldc) {
    cblas_dgemm(CblasRowMajor, cblas_flag(ta), cblas_flag(tb), int(m), int(n), int(k), alpha, a, int(lda),
                b, int(ldb), beta, c, int(ldc));
}

// C = alpha · op(A) op(B) + beta · C on row-major xtensor matrices. C must already
// have the product's shape: the caller owns allocation, so a steady-state step can
// reuse its buffers.
template <class T>
void gemm(transpose ta, transpose tb, T alpha, const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b,
          T beta, xt::xtensor<T, 2>& c) {
    const std::size_t m = ta == transpose::yes ? a.shape(1) : a.shape(0);
    const std::size_t k = ta == transpose::yes ? a.shape(0) : a.shape(1);
    const std::size_t kb = tb == transpose::yes ? b.shape(1) : b.shape(0);
    const std::size_t n = tb == transpose::yes ? b.shape(0) : b.shape(1);
    if (k != kb || c.shape(0) != m || c.shape(1) != n)
        throw std::invalid_argument("typegrad: gemm: inner dimensions or output shape disagree");
    gemm(ta, tb, m, n, k, alpha, a.data(), a.shape(1), b.data(), b.shape(1), beta, c.data(), c.shape(1));
}

// Threads of the backend alone; typegrad::set_threads (exec/threads.hpp) sets these
// and the library's loop threads together.
inline void set_threads(int n) { openblas_set_num_threads(n); }

} // namespace typegrad::blas
