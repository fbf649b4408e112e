// SPDX-License-Identifier: MIT
// max, min and their axis forms: values, gradients against central differences
// (distinct elements), and at a tie the adjoint split evenly among the tied elements.
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

TEST_CASE("max and min reduce everything, each column or each row") {
    xt::xtensor<double, 2> A = {{1, 5, -2}, {4, 0, 3}};
    auto v = tg::values(a = A);
    CHECK(tg::eval(tg::max(a), v)(0, 0) == 5);
    CHECK(tg::eval(tg::min(a), v)(0, 0) == -2);
    CHECK(tg::eval(tg::max<0>(a), v) == xt::xtensor<double, 2>{{4, 5, 3}});
    CHECK(tg::eval(tg::min<0>(a), v) == xt::xtensor<double, 2>{{1, 0, -2}});
    CHECK(tg::eval(tg::max<1>(a), v) == xt::xtensor<double, 2>{{5}, {4}});
    CHECK(tg::eval(tg::min<1>(a), v) == xt::xtensor<double, 2>{{-2}, {0}});
}

TEST_CASE("max and min: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = 4 - seed;
        auto A = random_matrix(rows, cols, -2, 2, seed); // distinct with probability 1, gaps ≫ h
        auto W = random_matrix(rows, cols, -1, 1, seed + 20);
        auto R = random_matrix(1, cols, -1, 1, seed + 30);
        auto C = random_matrix(rows, 1, -1, 1, seed + 40);
        auto v = tg::values(a = A, w = W, r = R, c = C);
        check_gradient(tg::max(w * a) * tg::min(a), v, std::tuple{a, w}, std::tie(A, W));
        check_gradient(tg::sum(r * tg::max<0>(tg::sin(a))), v, std::tuple{a, r}, std::tie(A, R));
        check_gradient(tg::sum(c * tg::min<1>(a * w)), v, std::tuple{a, w}, std::tie(A, W));
        check_gradient(tg::sum(r * tg::min<0>(a)) + tg::sum(c * tg::max<1>(a)), v, std::tuple{a}, std::tie(A));
        // second derivatives pass through the mask
        constexpr auto f = tg::square(tg::max(a * w)) + tg::sum(r * tg::square(tg::min<0>(a)));
        check_gradient(tg::sum(w * tg::grad(f, a)[a]), v, std::tuple{a, w}, std::tie(A, W));
    }
}

TEST_CASE("at a tie the adjoint is split evenly among the maxima") {
    xt::xtensor<double, 2> A = {{1, 3, 3}, {3, 0, 2}};
    auto v = tg::values(a = A);
    CHECK(tg::eval(tg::grad(tg::max(a), a), v)[a] == xt::xtensor<double, 2>{{0, 1. / 3, 1. / 3}, {1. / 3, 0, 0}});
    CHECK(tg::eval(tg::grad(tg::sum(tg::max<1>(a)), a), v)[a] == xt::xtensor<double, 2>{{0, 0.5, 0.5}, {1, 0, 0}});
    CHECK(tg::eval(tg::grad(tg::sum(tg::min<0>(a)), a), v)[a] == xt::xtensor<double, 2>{{1, 0, 0}, {0, 1, 1}});
}

TEST_CASE("max and min print as maths, their adjoint through the mask of the maxima") {
    CHECK(tg::to_text(tg::max(a)) == "max(a)");
    CHECK(tg::to_text(tg::min<0>(a)) == "colmin(a)");
    CHECK(tg::to_text(tg::adjoint(tg::max(a), a)) == "𝟙(a ≥ max(a)) / Σ(𝟙(a ≥ max(a)))");
    CHECK(tg::latex(tg::max<1>(a)).find("\\operatorname{rowmax}\\left(a\\right)") != std::string::npos);
}
