// SPDX-License-Identifier: MIT
// log1p and expm1: gradients (first and second) match central differences, and
// both keep their digits where the argument is tiny.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto w = tg::var<"w">;
} // namespace

TEST_CASE("log1p and expm1: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        auto A = random_matrix(1 + seed, 4 - seed, -0.9, 2, seed);
        auto W = random_matrix(1 + seed, 4 - seed, -1, 1, seed + 20);
        auto v = tg::values(a = A, w = W);
        check_gradient(tg::sum(w * tg::log1p(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::expm1(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::grad(tg::sum(w * tg::log1p(a)), a)[a]), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::grad(tg::sum(w * tg::expm1(a)), a)[a]), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("log1p and expm1 are exact to the last digits for tiny arguments") {
    xt::xtensor<double, 2> A = {{1e-12, -1e-15}};
    auto v = tg::values(a = A);
    auto l = tg::eval(tg::log1p(a), v);
    auto e = tg::eval(tg::expm1(a), v);
    CHECK(l(0, 0) == doctest::Approx(1e-12).epsilon(1e-12));
    CHECK(e(0, 1) == doctest::Approx(-1e-15).epsilon(1e-12));
    CHECK(tg::to_text(tg::log1p(a)) == "log1p(a)");
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * tg::expm1(a)), a)) == "w ⊙ exp(a)");
}
