// SPDX-License-Identifier: MIT
// gelu (tanh form): values from the formula, first and second derivatives against
// central differences.
#include <numbers>

#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto w = tg::var<"w">;
} // namespace

TEST_CASE("gelu follows the tanh formula") {
    xt::xtensor<double, 2> A = {{-3, -0.5, 0, 0.7, 4}};
    auto g = tg::eval(tg::gelu(a), tg::values(a = A));
    for (std::size_t j = 0; j < A.size(); ++j) {
        const double x = A(0, j);
        const double expected = 0.5 * x * (1 + std::tanh(std::sqrt(2 / std::numbers::pi) * (x + 0.044715 * x * x * x)));
        CHECK(g(0, j) == doctest::Approx(expected).epsilon(1e-15));
    }
}

TEST_CASE("gelu: first and second derivatives match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        auto A = random_matrix(1 + seed, 4 - seed, -3, 3, seed);
        auto W = random_matrix(1 + seed, 4 - seed, -1, 1, seed + 20);
        auto v = tg::values(a = A, w = W);
        constexpr auto f = tg::sum(w * tg::gelu(a));
        check_gradient(f, v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::grad(f, a)[a]), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("gelu prints by name, its derivative through √(2/π)") {
    CHECK(tg::to_text(tg::gelu(a)) == "gelu(a)");
    CHECK(tg::to_text(tg::adjoint(tg::sum(tg::gelu(a)), a)).find("√(2/π)") != std::string::npos);
}
