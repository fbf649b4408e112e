// SPDX-License-Identifier: MIT
// + − ⊙ / and negation: derived gradients equal central differences, on random
// shapes, with a column, a row and a scalar broadcast against a matrix.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto b = tg::var<"b">;
constexpr auto c = tg::col<"c">;
constexpr auto r = tg::row<"r">;
constexpr auto s = tg::scalar<"s">;
constexpr auto w = tg::var<"w">; // fixed random weights, so no adjoint is trivially 1

struct data {
    xt::xtensor<double, 2> A, B, C, R, S, W;
    explicit data(unsigned seed) {
        const std::size_t rows = 1 + seed % 4, cols = 1 + (seed * 7) % 5;
        A = random_matrix(rows, cols, -2, 2, seed);
        B = random_matrix(rows, cols, 0.5, 2, seed + 100); // away from 0: a divisor
        C = random_matrix(rows, 1, 0.5, 2, seed + 200);
        R = random_matrix(1, cols, 0.5, 2, seed + 300);
        S = random_matrix(1, 1, 0.5, 2, seed + 400);
        W = random_matrix(rows, cols, -1, 1, seed + 500);
    }
};
} // namespace

TEST_CASE("elementwise sum and difference: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 4; ++seed) {
        data d(seed);
        auto v = tg::values(a = d.A, b = d.B, c = d.C, r = d.R, s = d.S, w = d.W);
        check_gradient(tg::sum(w * (a + b)), v, std::tuple{a, b}, std::tie(d.A, d.B));
        check_gradient(tg::sum(w * (a - b)), v, std::tuple{a, b}, std::tie(d.A, d.B));
        check_gradient(tg::sum(w * (a + c - r + s)), v, std::tuple{a, c, r, s}, std::tie(d.A, d.C, d.R, d.S));
    }
}

TEST_CASE("elementwise product, quotient and negation: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 4; ++seed) {
        data d(seed);
        auto v = tg::values(a = d.A, b = d.B, c = d.C, r = d.R, s = d.S, w = d.W);
        check_gradient(tg::sum(w * (a * b)), v, std::tuple{a, b}, std::tie(d.A, d.B));
        check_gradient(tg::sum(w * (a / b)), v, std::tuple{a, b}, std::tie(d.A, d.B));
        check_gradient(tg::sum(w * (c * a / r) * s), v, std::tuple{a, c, r, s}, std::tie(d.A, d.C, d.R, d.S));
        check_gradient(tg::sum(w * -(a * s)), v, std::tuple{a, s}, std::tie(d.A, d.S));
    }
}

TEST_CASE("scalars work like any tensor: grad(x*y + sin(x), x, y)") {
    constexpr auto x = tg::scalar<"x">;
    constexpr auto y = tg::scalar<"y">;
    constexpr auto f = x * y + tg::sin(x);
    auto g = tg::eval(tg::grad(f, x, y), tg::values(x = 0.5, y = 3.0));
    CHECK(g.value() == doctest::Approx(0.5 * 3.0 + std::sin(0.5)).epsilon(1e-15));
    CHECK(g[x](0, 0) == doctest::Approx(3.0 + std::cos(0.5)).epsilon(1e-15)); // ∂f/∂x = y + cos x
    CHECK(g[y](0, 0) == doctest::Approx(0.5).epsilon(1e-15));                 // ∂f/∂y = x
}

TEST_CASE("literals take part exactly: 1_c, lit<1, 2> and folded constants") {
    using namespace tg::literals;
    constexpr auto x = tg::scalar<"x">;
    static_assert(std::is_same_v<decltype(2_c * 3_c), tg::literal<6>>);
    static_assert(std::is_same_v<decltype(0.5_c), tg::literal<1, 2>>);
    static_assert(std::is_same_v<decltype(tg::lit<1, 2> + tg::lit<1, 3>), tg::literal<5, 6>>);
    auto g = tg::eval(tg::grad(0.5_c * x * x - 3_c * x, x), tg::values(x = 2.0));
    CHECK(g[x](0, 0) == doctest::Approx(2.0 - 3.0).epsilon(1e-15)); // d/dx (x²/2 − 3x) = x − 3
}
