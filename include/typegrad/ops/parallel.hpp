// SPDX-License-Identifier: MIT
// How many threads the library's own loops (fused elementwise kernels, reductions,
// softmax, losses) may use, and the one way they split work: contiguous blocks of
// an index range, one per thread, each block handled exactly as one thread would.
// typegrad::set_threads (exec/threads.hpp) sets this and the BLAS threads together.
//
// Without OpenMP (no -fopenmp) every loop runs on the calling thread. With one
// thread, the default, no OpenMP region is entered at all, so results and the
// ThreadSanitizer run are exactly those of a build without threads.
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstddef>

namespace typegrad {

namespace detail {
inline std::atomic<int> loop_threads{1};
}

// Threads for the library's loops (at least 1).
inline int loop_threads() { return detail::loop_threads.load(std::memory_order_relaxed); }

// Below this many elements a loop stays on one thread: waking a team costs more.
inline constexpr std::size_t parallel_grain = 1 << 14;

// Calls body(begin, end) on blocks covering [0, n), in parallel when there are
// several threads and `work` (elements touched) is worth it. Block boundaries are
// multiples of `align` (a SIMD width), so each block vectorises as the whole would.
template <class Body>
void parallel_blocks(std::size_t n, std::size_t work, std::size_t align, const Body& body) {
    const int threads = loop_threads();
    if (threads <= 1 || work < parallel_grain || n < 2) {
        body(std::size_t{0}, n);
        return;
    }
    const std::size_t parts = std::min<std::size_t>(std::size_t(threads), n);
#ifdef _OPENMP
#pragma omp parallel for num_threads(int(parts)) schedule(static, 1)
#endif
    for (std::size_t p = 0; p < parts; ++p) {
        auto bound = [&](std::size_t q) { return std::min(n, (n * q / parts + align - 1) / align * align); };
        body(bound(p), p + 1 == parts ? n : bound(p + 1));
    }
}

// Σ part(begin, end) over blocks covering [0, n): one block on one thread (the
// plain loop's order, bit for bit); with several threads each sums its block and
// the partial sums are added in block order (a different rounding, the same for a
// given thread count).
template <class T, class Part>
T parallel_sum(std::size_t n, std::size_t work, const Part& part) {
    constexpr std::size_t max_parts = 64;
    const int threads = loop_threads();
    if (threads <= 1 || work < parallel_grain || n < 2) return part(std::size_t{0}, n);
    const std::size_t parts = std::min({std::size_t(threads), n, max_parts});
    std::array<T, max_parts> partial{};
#ifdef _OPENMP
#pragma omp parallel for num_threads(int(parts)) schedule(static, 1)
#endif
    for (std::size_t p = 0; p < parts; ++p) partial[p] = part(n * p / parts, n * (p + 1) / parts);
    T total = partial[0];
    for (std::size_t p = 1; p < parts; ++p) total += partial[p];
    return total;
}

} // namespace typegrad
