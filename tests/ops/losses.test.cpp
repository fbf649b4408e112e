// SPDX-License-Identifier: MIT
// binary_cross_entropy, softmax_cross_entropy, mse: values against their formulas
// and derived gradients against central differences, for both operands.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto y = tg::var<"y">;
constexpr auto z = tg::var<"z">;
} // namespace

TEST_CASE("losses: derived gradients match finite differences for both operands") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = 1 + seed, cols = 2 + seed;
        auto A = random_matrix(rows, cols, 0.05, 0.95, seed); // inside (0, 1)
        auto Y = random_matrix(rows, cols, 0.0, 1.0, seed + 1);
        auto Z = random_matrix(rows, cols, -3, 3, seed + 2);
        // softmax_cross_entropy's targets are distributions: each column sums to 1
        auto P = random_matrix(rows, cols, 0.1, 1.0, seed + 3);
        for (std::size_t j = 0; j < cols; ++j) {
            double total = 0;
            for (std::size_t i = 0; i < rows; ++i) total += P(i, j);
            for (std::size_t i = 0; i < rows; ++i) P(i, j) /= total;
        }
        auto v = tg::values(a = A, y = Y, z = Z);
        auto vp = tg::values(y = P, z = Z);
        check_gradient(tg::binary_cross_entropy(a, y), v, std::tuple{a, y}, std::tie(A, Y));
        check_gradient(tg::binary_cross_entropy(tg::sigmoid(z), y), v, std::tuple{z}, std::tie(Z));
        check_gradient(tg::softmax_cross_entropy(z, y), vp, std::tuple{z, y}, std::tie(Z, P));
        check_gradient(tg::mse(a, y), v, std::tuple{a, y}, std::tie(A, Y));
    }
}

TEST_CASE("losses are means over the batch of sums over the outputs") {
    xt::xtensor<double, 2> A = {{0.2, 0.9}, {0.6, 0.3}}, Y = {{0.0, 1.0}, {1.0, 0.0}};
    auto v = tg::values(a = A, y = Y, z = A);
    const double bce = -(std::log(0.8) + std::log(0.9) + std::log(0.6) + std::log(0.7)) / 2;
    CHECK(tg::eval(tg::binary_cross_entropy(a, y), v)(0, 0) == doctest::Approx(bce).epsilon(1e-14));
    const double mse = (0.04 + 0.01 + 0.16 + 0.09) / 2;
    CHECK(tg::eval(tg::mse(a, y), v)(0, 0) == doctest::Approx(mse).epsilon(1e-14));
    // column 0: logits (0.2, 0.6), target class 1; column 1: logits (0.9, 0.3), class 0
    const double ce = (std::log(std::exp(0.2) + std::exp(0.6)) - 0.6 + std::log(std::exp(0.9) + std::exp(0.3)) - 0.9) / 2;
    CHECK(tg::eval(tg::softmax_cross_entropy(z, y), v)(0, 0) == doctest::Approx(ce).epsilon(1e-14));
}
