// SPDX-License-Identifier: MIT
#include <typegrad/exec/threads.hpp>

#include <cblas.h>

#include <algorithm>

#include <typegrad/ops/parallel.hpp>

namespace typegrad {

void set_threads(int n) {
    n = std::max(n, 1);
    openblas_set_num_threads(n);
    detail::loop_threads.store(n, std::memory_order_relaxed);
}

int threads() { return loop_threads(); }

} // namespace typegrad
