// SPDX-License-Identifier: MIT
// matmul and transpose: derived gradients equal central differences, and the
// adjoint of a product is the product with the other operand transposed.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto A = tg::var<"A">;
constexpr auto B = tg::var<"B">;
constexpr auto w = tg::var<"w">;
} // namespace

TEST_CASE("matmul and transpose: derived gradients match finite differences on random shapes") {
    for (unsigned seed = 1; seed <= 4; ++seed) {
        const std::size_t m = 1 + seed % 3, k = 1 + seed, n = 1 + (seed * 5) % 4;
        auto a = random_matrix(m, k, -1, 1, seed);
        auto b = random_matrix(k, n, -1, 1, seed + 10);
        auto wmn = random_matrix(m, n, -1, 1, seed + 20);
        auto v = tg::values(A = a, B = b, w = wmn);
        check_gradient(tg::sum(w * tg::matmul(A, B)), v, std::tuple{A, B}, std::tie(a, b));
        // Bᵀ Aᵀ = (A B)ᵀ: transposes inside and outside a product
        check_gradient(tg::sum(tg::transpose(w) * tg::matmul(tg::transpose(B), tg::transpose(A))), v,
                       std::tuple{A, B}, std::tie(a, b));
        // A used twice in one product: A Aᵀ
        check_gradient(tg::sum(tg::matmul(A, tg::transpose(A)) * tg::matmul(A, tg::transpose(A))), v, std::tuple{A},
                       std::tie(a));
    }
}

TEST_CASE("the adjoint of a matrix product is the product with the other operand transposed") {
    constexpr auto f = tg::sum(w * tg::matmul(A, B));
    static_assert(std::is_same_v<decltype(tg::adjoint(f, A)), decltype(tg::matmul(w, tg::transpose(B)))>);
    static_assert(std::is_same_v<decltype(tg::adjoint(f, B)), decltype(tg::matmul(tg::transpose(A), w))>);
    static_assert(std::is_same_v<decltype(tg::transpose(tg::transpose(A))), std::remove_const_t<decltype(A)>>);
}

// A batch-major layer h Wᵀ: the adjoint of Wᵀ is the product hᵀ G, so the transpose's own
// adjoint (hᵀ G)ᵀ is written Gᵀ h, one product with BLAS flags, not a transposed copy of one.
TEST_CASE("the gradient of W in a batch-major layer h Wᵀ is the one product Gᵀ h") {
    constexpr auto h = tg::var<"h">;
    constexpr auto W = tg::var<"W">;
    constexpr auto f = tg::sum(w * tg::matmul(h, tg::transpose(W)));
    static_assert(std::is_same_v<decltype(tg::adjoint(f, W)), decltype(tg::matmul(tg::transpose(w), h))>);
    // The same value as before the rewrite, against central differences (5 × 3 batch × in, 4 × 3 out × in).
    auto hv = random_matrix(5, 3, -1, 1, 31), Wv = random_matrix(4, 3, -1, 1, 32), wv = random_matrix(5, 4, -1, 1, 33);
    auto v = tg::values(h = hv, W = Wv, w = wv);
    check_gradient(f, v, std::tuple{h, W}, std::tie(hv, Wv));
    // An adjoint that is a product of the forward pass stays a transposed view of it: in
    // Σ Aᵀ ⊙ (A B) the adjoint of Aᵀ is A B itself, and A's is (A B)ᵀ, not a second product.
    constexpr auto g = tg::sum(tg::transpose(A) * tg::matmul(A, B));
    using dA = std::remove_const_t<decltype(tg::adjoint(g, A))>;
    static_assert(tg::meta::contains<tg::topological_order<dA>, decltype(tg::transpose(tg::matmul(A, B)))>::value);
}
