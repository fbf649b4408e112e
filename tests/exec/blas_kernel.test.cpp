// SPDX-License-Identifier: MIT
// The matrix-product backend: it reports which library and kernel run, it moves
// OpenBLAS off a kernel older than the CPU, and switching kernels keeps products right.
#include <doctest/doctest.h>

#include <array>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include <typegrad/exec/gemm.hpp>

namespace tg = typegrad;
namespace kernel = typegrad::blas::openblas_kernel;

namespace {
// C = A B for A 3×4, B 4×5 with small integers: exact in float.
bool product_is_exact() {
    xt::xtensor<float, 2> a = xt::zeros<float>({3, 4}), b = xt::zeros<float>({4, 5}), c = xt::zeros<float>({3, 5});
    for (std::size_t i = 0; i < a.size(); ++i) a.data()[i] = float(int(i % 7) - 3);
    for (std::size_t i = 0; i < b.size(); ++i) b.data()[i] = float(int(i % 5) - 2);
    tg::blas::gemm(tg::blas::transpose::no, tg::blas::transpose::no, 1.0f, a, b, 0.0f, c);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < 5; ++j) {
            float expected = 0;
            for (std::size_t k = 0; k < 4; ++k) expected += a(i, k) * b(k, j);
            if (c(i, j) != expected) return false;
        }
    return true;
}

// op(A) op(B) by the definition, for A and B stored row-major with leading dimensions
// wider than their rows, so a routine that assumed packed storage reads the padding.
template <class T>
struct strided_product {
    std::size_t m, n, k;
    tg::blas::transpose ta, tb;
    static constexpr std::size_t pad = 3;
    std::size_t lda = (ta == tg::blas::transpose::yes ? m : k) + pad;
    std::size_t ldb = (tb == tg::blas::transpose::yes ? k : n) + pad;
    std::size_t ldc = n + pad;
    std::vector<T> a = filled((ta == tg::blas::transpose::yes ? k : m) * lda, 7, 3);
    std::vector<T> b = filled((tb == tg::blas::transpose::yes ? n : k) * ldb, 5, 2);

    static std::vector<T> filled(std::size_t size, int period, int offset) {
        std::vector<T> v(size);
        for (std::size_t i = 0; i < size; ++i) v[i] = T(int(i % period) - offset); // small integers: exact sums
        return v;
    }
    T op_a(std::size_t i, std::size_t l) const { return ta == tg::blas::transpose::yes ? a[l * lda + i] : a[i * lda + l]; }
    T op_b(std::size_t l, std::size_t j) const { return tb == tg::blas::transpose::yes ? b[j * ldb + l] : b[l * ldb + j]; }
    T expected(std::size_t i, std::size_t j, T alpha, T beta, T c0) const {
        T s = 0;
        for (std::size_t l = 0; l < k; ++l) s += op_a(i, l) * op_b(l, j);
        return alpha * s + beta * c0;
    }
    // Runs C = alpha op(A) op(B) + beta C on a C filled with c0 (its padding with -1) and
    // counts the entries that differ from the definition, padding included.
    std::size_t wrong_entries(T alpha, T beta, T c0) const {
        std::vector<T> c(m * ldc, T(-1));
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < n; ++j) c[i * ldc + j] = c0;
        tg::blas::gemm(ta, tb, m, n, k, alpha, a.data(), lda, b.data(), ldb, beta, c.data(), ldc);
        std::size_t wrong = 0;
        for (std::size_t i = 0; i < m; ++i)
            for (std::size_t j = 0; j < ldc; ++j) {
                const T want = j < n ? expected(i, j, alpha, beta, beta == T(0) ? T(0) : c0) : T(-1);
                wrong += !(c[i * ldc + j] == want);
            }
        return wrong;
    }
};
} // namespace

TEST_CASE("products with one row or one column (gemv) equal the definition for every transposition") {
    using tg::blas::transpose;
    const double nan = std::numeric_limits<double>::quiet_NaN();
    for (const auto ta : {transpose::no, transpose::yes})
        for (const auto tb : {transpose::no, transpose::yes})
            for (const auto& mnk : {std::array<std::size_t, 3>{1, 37, 11}, {29, 1, 13}, {1, 1, 17}, {4, 6, 5}}) {
                const std::size_t m = mnk[0], n = mnk[1], k = mnk[2]; // not a structured binding: CAPTURE is a lambda
                CAPTURE(bool(ta));
                CAPTURE(bool(tb));
                CAPTURE(m);
                CAPTURE(n);
                const strided_product<double> d{m, n, k, ta, tb};
                CHECK(d.wrong_entries(1.0, 0.0, nan) == 0); // β = 0 overwrites, even a NaN
                CHECK(d.wrong_entries(2.0, 1.0, 5.0) == 0); // β = 1 accumulates
                CHECK(d.wrong_entries(-0.5, 0.25, 8.0) == 0);
                const strided_product<float> f{m, n, k, ta, tb};
                CHECK(f.wrong_entries(1.0f, 0.0f, std::numeric_limits<float>::quiet_NaN()) == 0);
                CHECK(f.wrong_entries(2.0f, 1.0f, 5.0f) == 0);
            }
}

TEST_CASE("the backend names the library and the kernel in use") {
    const std::string b = tg::blas::backend();
    INFO(b);
    CHECK(b.find("OpenBLAS") == 0);
    CHECK(b.find(std::string("kernel ") + openblas_get_corename()) != std::string::npos);
}

TEST_CASE("a kernel older than the CPU is replaced, one as good or better is kept") {
    CHECK(std::strcmp(kernel::better_kernel("Prescott", "SkylakeX"), "SkylakeX") == 0);
    CHECK(std::strcmp(kernel::better_kernel("Haswell", "SkylakeX"), "SkylakeX") == 0);
    CHECK(std::strcmp(kernel::better_kernel("Core2", "Haswell"), "Haswell") == 0);
    CHECK(kernel::better_kernel("Cooperlake", "SkylakeX") == nullptr);
    CHECK(kernel::better_kernel("SapphireRapids", "SkylakeX") == nullptr);
    CHECK(kernel::better_kernel("Zen", "Haswell") == nullptr);
    CHECK(kernel::better_kernel("Prescott", nullptr) == nullptr); // a CPU without AVX2
}

TEST_CASE("after blas::tune() the kernel is as good as the CPU allows") {
    const auto& s = tg::blas::tune();
    INFO(s.describe());
    if (std::getenv("OPENBLAS_CORETYPE") == nullptr)
        CHECK(kernel::better_kernel(openblas_get_corename(), kernel::best_for_cpu()) == nullptr);
}

TEST_CASE("this OpenBLAS can be made to choose its kernel again, and products stay right") {
    const std::string original = openblas_get_corename();
    REQUIRE(product_is_exact());
    // Prescott runs on every x86-64 CPU, so the switch is safe on any machine.
    CHECK(kernel::reselect("Prescott"));
    CHECK(std::string(openblas_get_corename()) == "Prescott");
    CHECK(product_is_exact());
    CHECK(kernel::reselect(original.c_str()));
    CHECK(std::string(openblas_get_corename()) == original);
    CHECK(product_is_exact());
}
