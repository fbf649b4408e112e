// SPDX-License-Identifier: MIT
// The seed's network: two inputs, two hidden sigmoid units, two sigmoid outputs,
// binary cross-entropy. typegrad derives δ3 = a3 − y and δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 − a2)
// from the forward expression alone, then evaluates them and checks the result
// against central finite differences.
#include <algorithm>
#include <cmath>
#include <iostream>

#include <xtensor/xio.hpp>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

constexpr auto x = tg::var<"x">;  // inputs, 2 × batch
constexpr auto y = tg::var<"y">;  // targets, 2 × batch
constexpr auto W1 = tg::var<"W1">;
constexpr auto b1 = tg::col<"b1">; // a column, broadcast across the batch
constexpr auto W2 = tg::var<"W2">;
constexpr auto b2 = tg::col<"b2">;

constexpr auto a2 = tg::name<"a2">(tg::sigmoid(tg::matmul(W1, x) + b1));
constexpr auto a3 = tg::name<"a3">(tg::sigmoid(tg::matmul(W2, a2) + b2));
constexpr auto J = tg::name<"J">(tg::binary_cross_entropy(a3, y));

constexpr auto dJ = tg::grad(J, W1, b1, W2, b2); // derived by the compiler

int main() {
    std::cout << "Derived by the compiler:\n" << tg::formula(dJ) << "\n";

    xt::xtensor<double, 2> xv = {{0.05, 0.30, -0.20, 0.90}, {0.10, -0.40, 0.70, 0.25}};
    xt::xtensor<double, 2> yv = {{0.01, 1.0, 0.0, 1.0}, {0.99, 0.0, 1.0, 0.0}};
    xt::xtensor<double, 2> w1 = {{0.15, 0.20}, {0.25, 0.30}}, c1 = {{0.35}, {0.35}};
    xt::xtensor<double, 2> w2 = {{0.40, 0.45}, {0.50, 0.55}}, c2 = {{0.60}, {0.60}};
    auto values = tg::values(x = xv, y = yv, W1 = w1, b1 = c1, W2 = w2, b2 = c2);

    auto g = tg::eval(dJ, values);
    std::cout << "J = " << g.value() << "\n";
    std::cout << "∂J/∂W1 =\n" << g[W1] << "\n∂J/∂b1 =\n" << g[b1] << "\n";
    std::cout << "∂J/∂W2 =\n" << g[W2] << "\n∂J/∂b2 =\n" << g[b2] << "\n";

    // Central differences in double: J(θ + h) − J(θ − h) / 2h for every parameter.
    double worst = 0;
    auto check = [&](xt::xtensor<double, 2>& theta, const xt::xtensor<double, 2>& derived) {
        for (std::size_t i = 0; i < theta.size(); ++i) {
            const double keep = theta.data()[i], h = 1e-6;
            theta.data()[i] = keep + h;
            const double up = tg::eval(J, values)(0, 0);
            theta.data()[i] = keep - h;
            const double down = tg::eval(J, values)(0, 0);
            theta.data()[i] = keep;
            worst = std::max(worst, std::abs((up - down) / (2 * h) - derived.data()[i]));
        }
    };
    check(w1, g[W1]);
    check(c1, g[b1]);
    check(w2, g[W2]);
    check(c2, g[b2]);
    std::cout << "seed: max_abs_diff_vs_finite_differences=" << worst << "\n";
}
