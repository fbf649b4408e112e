// SPDX-License-Identifier: MIT
// typegrad::set_threads(n): the threads of the matrix products (OpenBLAS) and of
// the library's own loops (fused kernels, reductions, softmax, losses), set
// together. In the compiled support library (src/exec/threads.cpp).
//
// What changes with n > 1 (see README "Threads"): fused elementwise loops, column
// and row sums and softmax split their rows or columns over the threads and give
// the same bits as one thread; the sums over all elements (sum, the losses) add
// per-thread partial sums, and OpenBLAS splits its products, so those round
// differently (within a few ulps of the sum's magnitude). n = 1, the default of
// the loops, is bit for bit the single-threaded library.
#pragma once

namespace typegrad {

// Sets the BLAS threads and the loop threads to n (at least 1).
void set_threads(int n);

// The loop threads (ops/parallel.hpp); the BLAS threads are OpenBLAS's.
int threads();

} // namespace typegrad
