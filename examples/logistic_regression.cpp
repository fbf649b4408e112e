// SPDX-License-Identifier: MIT
// Logistic regression with an L2 penalty, trained by Adam: the program the README
// compiles with a plain compiler line (no CMake), since the optimiser lives in the
// support library (-ltypegrad_support). Two features, two Gaussian classes; exits
// with status 1 if training does not separate them.
#include <cstdio>
#include <random>
#include <vector>

#include <typegrad/nn/optim.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

constexpr auto x = tg::var<"x">;      // features, 2 × batch
constexpr auto y = tg::row<"y">;      // labels 0/1, 1 × batch
constexpr auto w = tg::row<"w", 2>;   // weights, 1 × 2
constexpr auto b = tg::scalar<"b">;   // bias
constexpr auto lam = tg::scalar<"lam">; // the penalty's weight, chosen at run time

constexpr auto p = tg::name<"p">(tg::sigmoid(tg::matmul(w, x) + b));
constexpr auto J = tg::binary_cross_entropy(p, y) + lam * tg::sum(tg::square(w)) / 2_c;

int main() {
    const std::size_t n = 200;
    xt::xtensor<float, 2> X({2, n}), Y({1, n});
    std::mt19937_64 rng(7);
    std::normal_distribution<float> noise(0.0f, 0.5f);
    for (std::size_t i = 0; i < n; ++i) {
        const float label = float(i % 2), centre = label == 1 ? 1.0f : -1.0f;
        X(0, i) = centre + noise(rng);
        X(1, i) = -centre + noise(rng);
        Y(0, i) = label;
    }
    xt::xtensor<float, 2> W = xt::zeros<float>({1, 2}), B = xt::zeros<float>({1, 1});
    auto values = tg::values(x = X, y = Y, w = W, b = B, lam = 1e-3); // 1e-3 becomes a float 1×1

    auto step = tg::compile<float>(tg::grad(J, w, b));
    std::vector<tg::nn::parameter<float>> params{{"w", &W}, {"b", &B}};
    tg::nn::adam<float> adam({.lr = 0.05});
    for (int epoch = 0; epoch < 100; ++epoch) {
        step.run(values);
        const std::vector<const xt::xtensor<float, 2>*> grads{&step[w], &step[b]};
        adam.step(params, grads);
    }

    const auto probability = tg::eval(p, values);
    std::size_t correct = 0;
    for (std::size_t i = 0; i < n; ++i) correct += (probability(0, i) > 0.5f) == (Y(0, i) == 1);
    const double accuracy = double(correct) / double(n);
    std::printf("loss=%.4f accuracy=%.3f w=(%.3f, %.3f) b=%.3f\n", double(step.run(values).value()), accuracy,
                double(W(0, 0)), double(W(0, 1)), double(B(0, 0)));
    return accuracy >= 0.95 ? 0 : 1;
}
