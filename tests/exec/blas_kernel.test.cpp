// SPDX-License-Identifier: MIT
// The matrix-product backend: it reports which library and kernel run, it moves
// OpenBLAS off a kernel older than the CPU, and switching kernels keeps products right.
#include <doctest/doctest.h>

#include <cstring>
#include <string>

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
} // namespace

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
