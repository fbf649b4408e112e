// SPDX-License-Identifier: MIT
// abs, maximum, minimum, clamp, leaky_relu, elu: derived first and second
// derivatives equal central differences away from the kinks, and at a kink each
// takes the subgradient the README documents.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;
using namespace tg::literals;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto b = tg::var<"b">;
constexpr auto w = tg::var<"w">;
constexpr auto c = tg::col<"c">;

// Keeps every entry further than 0.1 from `kink` (a difference step is 1e-5).
void away_from(xt::xtensor<double, 2>& m, double kink) {
    for (auto& x : m) x += x >= kink ? 0.1 : -0.1;
}

template <class F, class X>
auto second(F f, X x) { return tg::sum(w * tg::grad(f, x)[x]); }
} // namespace

TEST_CASE("piecewise ops: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = 4 - seed;
        auto A = random_matrix(rows, cols, -2, 2, seed);
        away_from(A, 0);
        xt::xtensor<double, 2> B = A + random_matrix(rows, cols, 0.1, 1, seed + 10) * xt::where(random_matrix(rows, cols, 0, 1, seed + 11) > 0.5, 1.0, -1.0);
        auto W = random_matrix(rows, cols, -1, 1, seed + 20);
        auto C = random_matrix(rows, 1, -2, 2, seed + 30);
        for (std::size_t i = 0; i < A.shape(0); ++i)
            for (std::size_t j = 0; j < A.shape(1); ++j)
                if (std::abs(A(i, j) - C(i, 0)) < 0.1) A(i, j) += 0.2;
        auto v = tg::values(a = A, b = B, w = W, c = C);
        check_gradient(tg::sum(w * tg::abs(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::maximum(a, b)), v, std::tuple{a, b}, std::tie(A, B));
        check_gradient(tg::sum(w * tg::minimum(a, b)), v, std::tuple{a, b}, std::tie(A, B));
        check_gradient(tg::sum(w * tg::maximum(a, c)), v, std::tuple{a, c}, std::tie(A, C));
        check_gradient(tg::sum(w * tg::minimum(c, a)), v, std::tuple{a, c}, std::tie(A, C));
        check_gradient(tg::sum(w * tg::clamp(a, -1_c, 1_c)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::leaky_relu(a, 0.01_c)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::elu(a)), v, std::tuple{a}, std::tie(A));
        // second derivatives: zero for the piecewise linear ops, eˣ on elu's left
        check_gradient(second(tg::sum(w * tg::abs(a) * a), a), v, std::tuple{a}, std::tie(A));
        check_gradient(second(tg::sum(tg::square(tg::maximum(a, b))), a), v, std::tuple{a, b}, std::tie(A, B));
        check_gradient(second(tg::sum(w * tg::elu(a)), a), v, std::tuple{a}, std::tie(A));
        check_gradient(second(tg::sum(tg::leaky_relu(a, 1_c / 5_c) * a), a), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("at a kink: abs'(0) = 0, ties go to the first operand, clamp passes its bounds to x, leaky_relu'(0) = slope") {
    xt::xtensor<double, 2> A = {{0, 1, -1}}, B = {{0, 1, -1}};
    auto v = tg::values(a = A, b = B);
    CHECK(tg::eval(tg::grad(tg::sum(tg::abs(a)), a), v)[a] == xt::xtensor<double, 2>{{0, 1, -1}});
    auto mx = tg::eval(tg::grad(tg::sum(tg::maximum(a, b)), a, b), v);
    CHECK(mx[a] == xt::xtensor<double, 2>{{1, 1, 1}});
    CHECK(mx[b] == xt::xtensor<double, 2>{{0, 0, 0}});
    auto mn = tg::eval(tg::grad(tg::sum(tg::minimum(a, b)), a, b), v);
    CHECK(mn[a] == xt::xtensor<double, 2>{{1, 1, 1}});
    CHECK(mn[b] == xt::xtensor<double, 2>{{0, 0, 0}});
    CHECK(tg::eval(tg::grad(tg::sum(tg::clamp(a, -1_c, 1_c)), a), v)[a] == xt::xtensor<double, 2>{{1, 1, 1}});
    CHECK(tg::eval(tg::grad(tg::sum(tg::leaky_relu(a, 0.25_c)), a), v)[a] == xt::xtensor<double, 2>{{0.25, 1, 0.25}});
    CHECK(tg::eval(tg::grad(tg::sum(tg::elu(a)), a), v)[a](0, 0) == 1.0);
}

TEST_CASE("piecewise ops compute their forward rules") {
    xt::xtensor<double, 2> A = {{-2, -0.5, 0, 0.5, 2}};
    auto v = tg::values(a = A);
    CHECK(tg::eval(tg::abs(a), v) == xt::xtensor<double, 2>{{2, 0.5, 0, 0.5, 2}});
    CHECK(tg::eval(tg::clamp(a, -1_c, 1_c), v) == xt::xtensor<double, 2>{{-1, -0.5, 0, 0.5, 1}});
    CHECK(tg::eval(tg::leaky_relu(a, 0.5_c), v) == xt::xtensor<double, 2>{{-1, -0.25, 0, 0.5, 2}});
    auto e = tg::eval(tg::elu(a), v);
    CHECK(e(0, 0) == doctest::Approx(std::expm1(-2.0)));
    CHECK(e(0, 4) == 2.0);
}

TEST_CASE("piecewise ops print as maths") {
    CHECK(tg::to_text(tg::abs(a)) == "|a|");
    CHECK(tg::to_text(tg::clamp(a, 0_c, 1_c)) == "min(max(a, 0), 1)");
    CHECK(tg::to_text(tg::leaky_relu(a, 0.01_c)) == "leaky_relu(a, 1/100)");
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * tg::abs(a)), a)) == "w ⊙ sign(a)");
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * tg::maximum(a, b)), b)) == "w ⊙ 𝟙(a < b)");
    CHECK(tg::to_text(tg::adjoint(tg::sum(w * tg::elu(a)), a)) == "w ⊙ (1 + min(elu(a), 0))");
    // abs and max have the same rank in the canonical order, so their order comes from a
    // hash of the op's type name, which GCC and Clang spell alike: one order everywhere.
    CHECK(tg::to_text(tg::abs(a) + tg::maximum(a, b)) == "max(a, b) + |a|");
    CHECK(tg::latex(tg::abs(a) + tg::maximum(a, b)).find("\\max\\left(a, b\\right) + \\left|a\\right|") != std::string::npos);
}
