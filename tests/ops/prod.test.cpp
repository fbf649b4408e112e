// SPDX-License-Identifier: MIT
// prod and prod<axis>: values, first and second derivatives against central
// differences (nonzero elements: the VJP divides by them).
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto w = tg::var<"w">;
constexpr auto r = tg::row<"r">;
constexpr auto c = tg::col<"c">;
} // namespace

TEST_CASE("prod multiplies everything, each column or each row") {
    xt::xtensor<double, 2> A = {{1, 5, -2}, {4, 0.5, 3}};
    auto v = tg::values(a = A);
    CHECK(tg::eval(tg::prod(a), v)(0, 0) == -60);
    CHECK(tg::eval(tg::prod<0>(a), v) == xt::xtensor<double, 2>{{4, 2.5, -6}});
    CHECK(tg::eval(tg::prod<1>(a), v) == xt::xtensor<double, 2>{{-10}, {6}});
}

TEST_CASE("prod: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = 4 - seed;
        auto A = random_matrix(rows, cols, 0.5, 1.5, seed);
        auto W = random_matrix(rows, cols, -1, 1, seed + 20);
        auto R = random_matrix(1, cols, -1, 1, seed + 30);
        auto C = random_matrix(rows, 1, -1, 1, seed + 40);
        auto v = tg::values(a = A, w = W, r = R, c = C);
        check_gradient(tg::prod(a * w), v, std::tuple{a, w}, std::tie(A, W));
        check_gradient(tg::sum(r * tg::prod<0>(a)), v, std::tuple{a, r}, std::tie(A, R));
        check_gradient(tg::sum(c * tg::prod<1>(tg::sin(a))), v, std::tuple{a}, std::tie(A));
        constexpr auto f = tg::prod(a) + tg::sum(r * tg::prod<0>(a));
        check_gradient(tg::sum(w * tg::grad(f, a)[a]), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("prod prints as a product") {
    CHECK(tg::to_text(tg::prod(a)) == "∏(a)");
    CHECK(tg::to_text(tg::prod<1>(a)) == "rowprod(a)");
    CHECK(tg::to_text(tg::adjoint(tg::prod(a), a)) == "∏(a) / a");
}
