// SPDX-License-Identifier: MIT
// typegrad::set_threads: the fused loops, row and column sums and softmax give the
// same bits on 1 and 2 threads (each element or column is computed by the same
// instructions whatever the split); sums over all elements and the products
// (OpenBLAS) round differently and stay within their rounding bound; going back to
// one thread gives the one-thread bits again.
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <set>

#ifdef _OPENMP
#include <omp.h>
#endif

#include <support/finite_differences.hpp>
#include <typegrad/exec/threads.hpp>

namespace tg = typegrad;
using tg::testing::random_matrix;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto b = tg::col<"b">;
constexpr auto W = tg::var<"W">;
constexpr auto y = tg::var<"y">;

// 256 × 128: above the size from which loops split (ops/parallel.hpp).
constexpr std::size_t rows = 256, cols = 128;
constexpr auto e = tg::tanh(x * b) + tg::exp(x) * tg::sigmoid(x);
constexpr auto mlp = tg::softmax_cross_entropy(tg::matmul(W, tg::relu(x + b)), y);

bool same_bits(const xt::xtensor<double, 2>& a, const xt::xtensor<double, 2>& c) {
    return a.shape() == c.shape() && std::memcmp(a.data(), c.data(), a.size() * sizeof(double)) == 0;
}

struct data {
    xt::xtensor<double, 2> X = random_matrix(rows, cols, -2, 2, 1), B = random_matrix(rows, 1, -1, 1, 2),
                           w = random_matrix(10, rows, -0.1, 0.1, 3), Y = xt::zeros<double>({std::size_t{10}, cols});
    data() {
        for (std::size_t j = 0; j < cols; ++j) Y(j % 10, j) = 1;
    }
};

struct results {
    xt::xtensor<double, 2> fused, colsum, rowsum, softmax, total, loss, dW, db;
};

results run(const data& d) {
    const auto v = tg::values(x = d.X, b = d.B, W = d.w, y = d.Y);
    tg::program<double, std::remove_const_t<decltype(e)>, decltype(tg::sum<0>(e)), decltype(tg::sum<1>(e)),
                decltype(tg::softmax(e)), decltype(tg::sum(e))>
        p;
    p.run(v);
    auto g = tg::eval(tg::grad(mlp, W, b), v);
    return {p[e], p[tg::sum<0>(e)], p[tg::sum<1>(e)], p[tg::softmax(e)], p[tg::sum(e)],
            xt::xtensor<double, 2>({1, 1}, g.value()), g[W], g[b]};
}

// |a − c| ≤ tol for every element.
bool close(const xt::xtensor<double, 2>& a, const xt::xtensor<double, 2>& c, double tol) {
    if (a.shape() != c.shape()) return false;
    for (std::size_t k = 0; k < a.size(); ++k)
        if (std::abs(a.data()[k] - c.data()[k]) > tol) return false;
    return true;
}
} // namespace

TEST_CASE("one and two threads give the same bits on elementwise parts and row, column and softmax sums") {
    const data d;
    tg::set_threads(1);
    const results one = run(d);
    tg::set_threads(2);
    CHECK(tg::threads() == 2);
    const results two = run(d);
    tg::set_threads(1);
    const results again = run(d);

    CHECK(same_bits(one.fused, two.fused));
    CHECK(same_bits(one.colsum, two.colsum));
    CHECK(same_bits(one.rowsum, two.rowsum));
    CHECK(same_bits(one.softmax, two.softmax));

    // Σ over all elements adds two partial sums: within n ε Σ|e| of one thread's.
    const double magnitude = double(rows * cols) * 3; // |e| < 1 + e² σ(2) < 3 on [−2, 2]
    CHECK(close(one.total, two.total, double(rows * cols) * 1e-16 * magnitude));
    // Products may be split by OpenBLAS: a few ulps of each sum of 256 terms.
    CHECK(close(one.loss, two.loss, 1e-12));
    CHECK(close(one.dW, two.dW, 1e-12));
    CHECK(close(one.db, two.db, 1e-12));

    // Back to one thread: exactly the one-thread results again.
    CHECK(same_bits(one.fused, again.fused));
    CHECK(same_bits(one.total, again.total));
    CHECK(same_bits(one.loss, again.loss));
    CHECK(same_bits(one.dW, again.dW));
}

#ifdef _OPENMP
TEST_CASE("with two threads a large loop is split over two OpenMP threads, a small one is not") {
    tg::set_threads(2);
    std::set<int> large, small;
    tg::parallel_blocks(64, tg::parallel_grain, 1, [&](std::size_t, std::size_t) {
#pragma omp critical
        large.insert(omp_get_thread_num());
    });
    tg::parallel_blocks(64, tg::parallel_grain - 1, 1, [&](std::size_t, std::size_t) { small.insert(omp_get_thread_num()); });
    tg::set_threads(1);
    CHECK(large.size() == 2);
    CHECK(small.size() == 1);
}
#endif

#ifdef TYPEGRAD_BLAS_ON_OPENMP
#include <cblas.h>

// CMake linked OpenBLAS's OpenMP build (TYPEGRAD_OPENBLAS_OPENMP); the library the loader
// found must be that one too, not the system default (Debian's alternatives pick the
// pthread build), or the products and the loops run on two thread pools that fight for
// the cores.
TEST_CASE("the products run on the loops' OpenMP threads: the OpenBLAS loaded is its OpenMP build") {
    CHECK(openblas_get_parallel() == 2); // 0 sequential, 1 pthreads, 2 OpenMP
}
#endif
