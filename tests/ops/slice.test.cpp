// SPDX-License-Identifier: MIT
// rows<first, last> and cols<first, last>: the half-open range of rows (columns),
// their adjoint the padded adjoint, first and second derivatives against central
// differences, and out-of-range bounds refused.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto w = tg::var<"w">;
constexpr auto s = tg::var<"s", 3, 4>;
} // namespace

TEST_CASE("rows<first, last> and cols<first, last> take a half-open range") {
    xt::xtensor<double, 2> A = {{1, 2, 3}, {4, 5, 6}, {7, 8, 9}};
    auto v = tg::values(a = A);
    CHECK(tg::eval(tg::rows<1, 3>(a), v) == xt::xtensor<double, 2>{{4, 5, 6}, {7, 8, 9}});
    CHECK(tg::eval(tg::cols<0, 1>(a), v) == xt::xtensor<double, 2>{{1}, {4}, {7}});
    CHECK(tg::eval(tg::cols<1, 3>(tg::rows<0, 1>(a)), v) == xt::xtensor<double, 2>{{2, 3}});
    static_assert(tg::rows<0, 2>(s).rows == 2 && tg::rows<0, 2>(s).cols == 4);
    static_assert(std::is_same_v<decltype(tg::rows<0, 3>(s)), std::remove_cvref_t<decltype(s)>>); // the whole of s
}

TEST_CASE("a slice past the bound value's extent is a shape error") {
    xt::xtensor<double, 2> A = {{1, 2}, {3, 4}};
    CHECK_THROWS_AS(tg::eval(tg::rows<1, 3>(a), tg::values(a = A)), tg::shape_error);
}

TEST_CASE("slices: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        auto A = random_matrix(4, 2 + seed, -2, 2, seed);
        auto W = random_matrix(4, 2 + seed, -1, 1, seed + 20);
        auto S = random_matrix(3, 4, -2, 2, seed + 30);
        auto v = tg::values(a = A, w = W, s = S);
        check_gradient(tg::sum(tg::rows<1, 3>(w * tg::sin(a))), v, std::tuple{a, w}, std::tie(A, W));
        check_gradient(tg::sum(tg::square(tg::cols<1, 2>(a)) * tg::cols<0, 1>(w)), v, std::tuple{a, w}, std::tie(A, W));
        check_gradient(tg::sum(tg::matmul(tg::cols<0, 2>(s), tg::rows<2, 4>(a))), v, std::tuple{a, s}, std::tie(A, S));
        constexpr auto f = tg::sum(tg::exp(tg::rows<0, 2>(a)) * tg::rows<2, 4>(a));
        check_gradient(tg::sum(w * tg::grad(f, a)[a]), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("slices print as ranges, their adjoint as a pad") {
    CHECK(tg::to_text(tg::rows<1, 3>(a)) == "a[1:3, :]");
    CHECK(tg::to_text(tg::cols<0, 2>(a)) == "a[:, 0:2]");
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * tg::rows<1, 3>(a)), a)) == "pad[1:3, :](w)");
}
