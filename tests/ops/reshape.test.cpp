// SPDX-License-Identifier: MIT
// reshape<rows, cols> of a statically shaped value: row-major order, gradients (first
// and second) against central differences, identities folded.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto s = tg::var<"s", 2, 3>;
constexpr auto w = tg::var<"w", 3, 2>;
constexpr auto u = tg::var<"u", 6, 1>;
} // namespace

TEST_CASE("reshape lays the elements out again in row-major order") {
    xt::xtensor<double, 2> S = {{1, 2, 3}, {4, 5, 6}};
    auto v = tg::values(s = S);
    CHECK(tg::eval(tg::reshape<3, 2>(s), v) == xt::xtensor<double, 2>{{1, 2}, {3, 4}, {5, 6}});
    CHECK(tg::eval(tg::reshape<1, 6>(s), v) == xt::xtensor<double, 2>{{1, 2, 3, 4, 5, 6}});
    static_assert(std::is_same_v<decltype(tg::reshape<2, 3>(s)), std::remove_cvref_t<decltype(s)>>);
    static_assert(std::is_same_v<decltype(tg::reshape<6, 1>(tg::reshape<3, 2>(s))), decltype(tg::reshape<6, 1>(s))>);
    static_assert(std::is_same_v<decltype(tg::reshape<2, 3>(tg::reshape<3, 2>(s))), std::remove_cvref_t<decltype(s)>>);
}

TEST_CASE("reshape: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        auto S = random_matrix(2, 3, -2, 2, seed);
        auto W = random_matrix(3, 2, -1, 1, seed + 10);
        auto U = random_matrix(6, 1, -1, 1, seed + 20);
        auto v = tg::values(s = S, w = W, u = U);
        check_gradient(tg::sum(w * tg::sin(tg::reshape<3, 2>(s))), v, std::tuple{s, w}, std::tie(S, W));
        check_gradient(tg::sum(tg::matmul(tg::reshape<1, 6>(s * s), u)), v, std::tuple{s, u}, std::tie(S, U));
        constexpr auto f = tg::sum(w * tg::exp(tg::reshape<3, 2>(s)));
        check_gradient(tg::sum(tg::reshape<2, 3>(w) * tg::grad(f, s)[s]), v, std::tuple{s, w}, std::tie(S, W));
    }
}

TEST_CASE("reshape prints with its shape") {
    CHECK(tg::to_text(tg::reshape<3, 2>(s)) == "reshape3×2(s)");
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * tg::reshape<3, 2>(s)), s)) == "reshape2×3(w)");
}
