// SPDX-License-Identifier: MIT
// logsumexp and logsumexp<axis>: finite for logits of ±1000, gradients (first and
// second) against central differences, and the derived gradient printed through
// softmax.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto w = tg::var<"w">;
constexpr auto r = tg::row<"r">;
constexpr auto c = tg::col<"c">;
constexpr auto z = tg::col<"z">;
} // namespace

TEST_CASE("logsumexp is finite and exact for logits of ±1000") {
    xt::xtensor<double, 2> A = {{1000, -1000}, {1000, -1000}};
    auto v = tg::values(a = A);
    CHECK(tg::eval(tg::logsumexp(a), v)(0, 0) == doctest::Approx(1000 + std::log(2.0)));
    CHECK(tg::eval(tg::logsumexp<0>(a), v) == xt::xtensor<double, 2>{{1000 + std::log(2.0), -1000 + std::log(2.0)}});
    auto rows = tg::eval(tg::logsumexp<1>(a), v);
    CHECK(rows(0, 0) == doctest::Approx(1000));
    CHECK(rows(1, 0) == doctest::Approx(1000));
    auto g = tg::eval(tg::grad(tg::sum(tg::logsumexp<0>(a)), a), v)[a];
    // The gradient is softmax, computed as exp(z − logsumexp(z)): at |z| = 1000 the
    // log-sum-exp carries its own rounding, 1000 · 2⁻⁵² ≈ 2.3e-13, so each entry is
    // 0.5 within a few 1e-13 (measured: 0.5 + 2.8e-14), finite and not NaN.
    for (double e : g) CHECK(std::abs(e - 0.5) <= 1e-12);
    // softmax itself is exp(z − max z) / Σ exp(z − max z): at a tie every entry is
    // exp(0) / 2, exactly one half.
    CHECK(tg::eval(tg::softmax(a), v) == xt::xtensor<double, 2>{{0.5, 0.5}, {0.5, 0.5}});
}

TEST_CASE("logsumexp: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = 4 - seed;
        auto A = random_matrix(rows, cols, -3, 3, seed);
        auto W = random_matrix(rows, cols, -1, 1, seed + 20);
        auto R = random_matrix(1, cols, -1, 1, seed + 30);
        auto C = random_matrix(rows, 1, -1, 1, seed + 40);
        auto v = tg::values(a = A, w = W, r = R, c = C);
        check_gradient(tg::logsumexp(a * w), v, std::tuple{a, w}, std::tie(A, W));
        check_gradient(tg::sum(r * tg::logsumexp<0>(a)), v, std::tuple{a, r}, std::tie(A, R));
        check_gradient(tg::sum(c * tg::logsumexp<1>(a)), v, std::tuple{a, c}, std::tie(A, C));
        check_gradient(tg::logsumexp(c), v, std::tuple{c}, std::tie(C));
        constexpr auto f = tg::logsumexp(a) + tg::sum(r * tg::logsumexp<0>(a * a)) + tg::sum(c * tg::logsumexp<1>(a));
        check_gradient(tg::sum(w * tg::grad(f, a)[a]), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("the derived gradient of logsumexp prints through softmax") {
    CHECK(tg::to_text(tg::adjoint(tg::sum(tg::logsumexp<0>(a)), a)) == "softmax(a)");
    CHECK(tg::to_text(tg::adjoint(tg::sum(r * tg::logsumexp<0>(a)), a)) == "softmax(a) ⊙ r");
    CHECK(tg::to_text(tg::adjoint(tg::logsumexp(z), z)) == "softmax(z)");
    CHECK(tg::formula(tg::grad(tg::logsumexp(z), z)) == "∂f/∂z = softmax(z)\nwhere\n  f = col_logsumexp(z)\n");
    CHECK(tg::to_text(tg::adjoint(tg::logsumexp(a), a)) == "exp(a − logsumexp(a))");
}
