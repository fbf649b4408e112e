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
#include <utility>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/openblas_kernel.hpp>

namespace typegrad::blas {

enum class transpose : bool { no = false, yes = true };

inline CBLAS_TRANSPOSE cblas_flag(transpose t) { return t == transpose::yes ? CblasTrans : CblasNoTrans; }

// OpenBLAS by element type: the general product and the matrix-vector product.
inline void cblas_gemm(transpose ta, transpose tb, int m, int n, int k, float alpha, const float* a, int lda,
                       const float* b, int ldb, float beta, float* c, int ldc) {
    cblas_sgemm(CblasRowMajor, cblas_flag(ta), cblas_flag(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void cblas_gemm(transpose ta, transpose tb, int m, int n, int k, double alpha, const double* a, int lda,
                       const double* b, int ldb, double beta, double* c, int ldc) {
    cblas_dgemm(CblasRowMajor, cblas_flag(ta), cblas_flag(tb), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}
inline void cblas_gemv(transpose t, int rows, int cols, float alpha, const float* a, int lda, const float* x,
                       int incx, float beta, float* y, int incy) {
    cblas_sgemv(CblasRowMajor, cblas_flag(t), rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}
inline void cblas_gemv(transpose t, int rows, int cols, double alpha, const double* a, int lda, const double* x,
                       int incx, double beta, double* y, int incy) {
    cblas_dgemv(CblasRowMajor, cblas_flag(t), rows, cols, alpha, a, lda, x, incx, beta, y, incy);
}

// C = alpha · op(A) op(B) + beta · C, all row-major; op(A) is m×k, op(B) is k×n.
//
// A product with one row or one column reads each entry of the matrix operand once, so
// it goes to gemv, which streams that operand; gemm would first copy it into packed
// panels (68% of the ADBench regression's gradient went to dgemm_incopy/itcopy).
//   one row:    c = a op(B)  is  op(B)ᵀ aᵀ, B read transposed to op;
//   one column: c = op(A) b.
// A vector stored across a matrix's rows has stride ld, one stored along a row stride 1.
template <class T>
void gemm(transpose ta, transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
          std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    if (n == 1 && k > 0) {
        const bool b_is_row = tb == transpose::yes; // bᵀ stored as 1×k
        const auto [rows, cols] = ta == transpose::yes ? std::pair{k, m} : std::pair{m, k};
        cblas_gemv(ta, int(rows), int(cols), alpha, a, int(lda), b, b_is_row ? 1 : int(ldb), beta, c, int(ldc));
    } else if (m == 1 && k > 0) {
        const bool a_is_row = ta == transpose::no;
        const auto [rows, cols] = tb == transpose::yes ? std::pair{n, k} : std::pair{k, n};
        const transpose t = tb == transpose::yes ? transpose::no : transpose::yes;
        cblas_gemv(t, int(rows), int(cols), alpha, b, int(ldb), a, a_is_row ? 1 : int(lda), beta, c, 1);
    } else {
        cblas_gemm(ta, tb, int(m), int(n), int(k), alpha, a, int(lda), b, int(ldb), beta, c, int(ldc));
    }
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
