// SPDX-License-Identifier: MIT
// Comparisons give 0/1 masks (ties included in ≥ and ≤) that carry no gradient;
// where(mask, a, b) picks elementwise with broadcasting and sends each branch the
// adjoint where it was chosen.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto b = tg::var<"b">;
constexpr auto w = tg::var<"w">;
constexpr auto r = tg::row<"r">;
} // namespace

TEST_CASE("comparisons give 0/1 masks, ties counting for >= and <=") {
    xt::xtensor<double, 2> A = {{1, 2, 3}}, B = {{2, 2, 2}};
    auto v = tg::values(a = A, b = B);
    CHECK(tg::eval(a > b, v) == xt::xtensor<double, 2>{{0, 0, 1}});
    CHECK(tg::eval(a < b, v) == xt::xtensor<double, 2>{{1, 0, 0}});
    CHECK(tg::eval(a >= b, v) == xt::xtensor<double, 2>{{0, 1, 1}});
    CHECK(tg::eval(a <= b, v) == xt::xtensor<double, 2>{{1, 1, 0}});
    using namespace tg::literals;
    CHECK(tg::eval(a > 2_c, v) == xt::xtensor<double, 2>{{0, 0, 1}});
}

TEST_CASE("a mask carries no gradient") {
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * (a > b)), a)) == "0");
    xt::xtensor<double, 2> A = {{1, 2}}, B = {{2, 2}}, W = {{3, 4}};
    CHECK(tg::eval(tg::grad(tg::sum(w * (a < b)), a, b), tg::values(a = A, b = B, w = W))[a] == xt::xtensor<double, 2>{{0, 0}});
}

TEST_CASE("where picks a where the mask is nonzero, with broadcasting") {
    xt::xtensor<double, 2> A = {{1, 2, 3}, {4, 5, 6}}, B = {{-1, -2, -3}, {-4, -5, -6}}, R = {{1, 0, 1}};
    auto v = tg::values(a = A, b = B, r = R);
    CHECK(tg::eval(tg::where(r, a, b), v) == xt::xtensor<double, 2>{{1, -2, 3}, {4, -5, 6}});
    using namespace tg::literals;
    CHECK(tg::eval(tg::where(a > 3_c, a, 0_c), v) == xt::xtensor<double, 2>{{0, 0, 0}, {4, 5, 6}});
}

TEST_CASE("where: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = 4 - seed;
        auto A = random_matrix(rows, cols, -2, 2, seed);
        auto B = random_matrix(rows, cols, -2, 2, seed + 10);
        auto W = random_matrix(rows, cols, -1, 1, seed + 20);
        auto R = random_matrix(1, cols, -2, 2, seed + 30);
        auto v = tg::values(a = A, b = B, w = W, r = R);
        check_gradient(tg::sum(w * tg::where(a > b, tg::sin(a), tg::square(b))), v, std::tuple{a, b}, std::tie(A, B));
        check_gradient(tg::sum(w * tg::where(a < r, a * r, tg::exp(r))), v, std::tuple{a, r}, std::tie(A, R));
        // second derivatives: the where in the first derivative is differentiated again
        constexpr auto f = tg::sum(w * tg::where(a > b, a * a * b, tg::sin(b)));
        check_gradient(tg::sum(w * tg::grad(f, a)[a]) + tg::sum(w * tg::grad(f, b)[b]), v, std::tuple{a, b}, std::tie(A, B));
    }
}

TEST_CASE("comparisons and where print as indicators") {
    CHECK(tg::to_text(a > b) == "𝟙(a > b)");
    CHECK(tg::to_text(a <= b) == "𝟙(a ≤ b)");
    CHECK(tg::to_text(tg::where(a >= b, a, b)) == "where(𝟙(a ≥ b), a, b)");
    CHECK(tg::latex(tg::where(a >= b, a, b)).find("\\operatorname{where}\\left(\\mathbb{1}\\left(a \\geq b\\right), a, b\\right)") !=
          std::string::npos);
}
