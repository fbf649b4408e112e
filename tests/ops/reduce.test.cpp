// SPDX-License-Identifier: MIT
// sum, sums along an axis, means, softmax and log_softmax: derived gradients equal
// central differences; the adjoint of a broadcast is a sum.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto w = tg::var<"w">;
constexpr auto w0 = tg::row<"w0">;
constexpr auto w1 = tg::col<"w1">;
} // namespace

TEST_CASE("reductions and softmax: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = 1 + (seed * 3) % 4;
        auto A = random_matrix(rows, cols, -2, 2, seed);
        auto W = random_matrix(rows, cols, -1, 1, seed + 1);
        auto W0 = random_matrix(1, cols, -1, 1, seed + 2);
        auto W1 = random_matrix(rows, 1, -1, 1, seed + 3);
        auto v = tg::values(a = A, w = W, w0 = W0, w1 = W1);
        check_gradient(tg::sum(tg::square(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w0 * tg::sum<0>(tg::square(a))), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w1 * tg::sum<1>(tg::square(a))), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::mean(w * a * a), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w0 * tg::mean<0>(a * a)) + tg::sum(w1 * tg::mean<1>(a * a)), v, std::tuple{a},
                       std::tie(A));
        check_gradient(tg::sum(w * tg::softmax(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::log_softmax(a)), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("a bias broadcast across the batch receives the row sums of its adjoint") {
    constexpr auto b = tg::col<"b">;
    constexpr auto f = tg::sum(w * (a + b));
    static_assert(std::is_same_v<decltype(tg::adjoint(f, b)), decltype(tg::sum<1>(w))>);
    xt::xtensor<double, 2> A = {{1, 2, 3}, {4, 5, 6}}, B = {{1}, {2}}, W = {{1, 1, 1}, {2, 2, 2}};
    auto g = tg::eval(tg::grad(f, b), tg::values(a = A, b = B, w = W));
    CHECK(g[b] == xt::xtensor<double, 2>{{3}, {6}});
}

TEST_CASE("softmax columns sum to one and stay finite for logits of ±1000") {
    xt::xtensor<double, 2> Z = {{1000, -1000, 0}, {0, -1000, 0}, {-1000, 1000, 0}};
    auto s = tg::eval(tg::softmax(a), tg::values(a = Z));
    for (std::size_t j = 0; j < 3; ++j) CHECK(s(0, j) + s(1, j) + s(2, j) == doctest::Approx(1.0));
    CHECK(s(0, 0) == doctest::Approx(1.0));
    CHECK(s(0, 2) == doctest::Approx(1.0 / 3));
}
