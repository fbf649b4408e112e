// SPDX-License-Identifier: MIT
// sigmoid, tanh, relu, softplus: derived gradients equal central differences, and
// the derivatives read the cached output as the seed does (σ′ = a(1 − a)).
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto w = tg::var<"w">;
} // namespace

TEST_CASE("activations: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = seed;
        auto A = random_matrix(rows, cols, -3, 3, seed);
        for (auto& x : A) x += x >= 0 ? 0.1 : -0.1; // relu's kink stays further than h away
        auto W = random_matrix(rows, cols, -1, 1, seed + 20);
        auto v = tg::values(a = A, w = W);
        check_gradient(tg::sum(w * tg::sigmoid(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::tanh(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::relu(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::softplus(a)), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("sigmoid and tanh derivatives are written through the node's own output") {
    constexpr auto s = tg::sigmoid(a);
    constexpr auto t = tg::tanh(a);
    using namespace tg::literals;
    static_assert(std::is_same_v<decltype(tg::adjoint(tg::sum(w * s), a)), decltype(w * (s * (1_c - s)))>);
    static_assert(std::is_same_v<decltype(tg::adjoint(tg::sum(w * t), a)), decltype(w * (1_c - tg::square(t)))>);
    static_assert(std::is_same_v<decltype(tg::adjoint(tg::sum(w * tg::relu(a)), a)), decltype(w * tg::step(tg::relu(a)))>);
}

TEST_CASE("softplus is finite for large arguments") {
    xt::xtensor<double, 2> A = {{-800.0, 800.0}};
    auto out = tg::eval(tg::softplus(a), tg::values(a = A));
    CHECK(out(0, 0) == doctest::Approx(0.0));
    CHECK(out(0, 1) == doctest::Approx(800.0));
}
