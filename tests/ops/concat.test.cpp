// SPDX-License-Identifier: MIT
// concat<axis>(a, b, ...): values, gradients (first and second) against central
// differences, each operand's adjoint a slice of the concatenation's.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a", 2>;
constexpr auto b = tg::var<"b", 1>;
constexpr auto c = tg::var<"c", 3>;
constexpr auto p = tg::var<"p", tg::dyn, 2>;
constexpr auto q = tg::var<"q", tg::dyn, 1>;
constexpr auto w = tg::var<"w">;
} // namespace

TEST_CASE("concat stacks rows (axis 0) or columns (axis 1)") {
    xt::xtensor<double, 2> A = {{1, 2}, {3, 4}}, B = {{5, 6}}, P = {{1, 2}, {3, 4}}, Q = {{9}, {8}};
    auto v = tg::values(a = A, b = B, p = P, q = Q);
    CHECK(tg::eval(tg::concat<0>(a, b), v) == xt::xtensor<double, 2>{{1, 2}, {3, 4}, {5, 6}});
    CHECK(tg::eval(tg::concat<0>(b, a, b), v) == xt::xtensor<double, 2>{{5, 6}, {1, 2}, {3, 4}, {5, 6}});
    CHECK(tg::eval(tg::concat<1>(q, p), v) == xt::xtensor<double, 2>{{9, 1, 2}, {8, 3, 4}});
    static_assert(tg::concat<0>(a, b, c).rows == 6);
}

TEST_CASE("operands whose other extents differ are a shape error") {
    xt::xtensor<double, 2> A = {{1, 2}, {3, 4}}, B = {{5, 6, 7}};
    CHECK_THROWS_AS(tg::eval(tg::concat<0>(a, b), tg::values(a = A, b = B)), tg::shape_error);
}

TEST_CASE("concat: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t n = 1 + seed;
        auto A = random_matrix(2, n, -2, 2, seed);
        auto B = random_matrix(1, n, -2, 2, seed + 10);
        auto C = random_matrix(3, n, -2, 2, seed + 20);
        auto W = random_matrix(6, n, -1, 1, seed + 30);
        auto P = random_matrix(n, 2, -2, 2, seed + 40);
        auto Q = random_matrix(n, 1, -2, 2, seed + 50);
        auto v = tg::values(a = A, b = B, c = C, w = W, p = P, q = Q);
        check_gradient(tg::sum(w * tg::concat<0>(tg::sin(a), b, tg::square(c))), v, std::tuple{a, b, c}, std::tie(A, B, C));
        check_gradient(tg::sum(tg::exp(tg::concat<1>(p, q * q, p))), v, std::tuple{p, q}, std::tie(P, Q));
        constexpr auto f = tg::sum(w * tg::square(tg::concat<0>(c, tg::sin(a), b)));
        check_gradient(tg::sum(tg::grad(f, a)[a] * a) + tg::sum(tg::grad(f, c)[c]), v, std::tuple{a, c}, std::tie(A, C));
    }
}

TEST_CASE("concat prints as a block matrix, its adjoint as slices") {
    CHECK(tg::to_text(tg::concat<0>(a, b)) == "[a; b]");
    CHECK(tg::to_text(tg::concat<1>(p, q)) == "[p, q]");
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * tg::concat<0>(a, b)), b)) == "w[2:3, :]");
    CHECK(tg::latex(tg::concat<0>(a, b)).find("\\begin{bmatrix} a \\\\ b \\end{bmatrix}") != std::string::npos);
}
