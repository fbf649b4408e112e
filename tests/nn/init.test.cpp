// SPDX-License-Identifier: MIT
// Initialisers: a seed gives the same weights every time, the bounds follow the fan
// of the layer, and the draws fill the interval uniformly.
#include <doctest/doctest.h>

#include <cmath>
#include <random>

#include <typegrad/nn/init.hpp>

namespace nn = typegrad::nn;

TEST_CASE("the same seed gives the same weights, another seed other weights") {
    xt::xtensor<float, 2> a = xt::zeros<float>({30, 20}), b = a, c = a;
    std::mt19937_64 r1(42), r2(42), r3(43);
    nn::xavier_uniform(a, r1);
    nn::xavier_uniform(b, r2);
    nn::xavier_uniform(c, r3);
    CHECK(a == b);
    CHECK(a != c);
}

TEST_CASE("unit_uniform is the top 53 bits of one draw, independent of the standard library") {
    // std::mt19937_64's output sequence is fixed by the standard, so is this value.
    std::mt19937_64 rng(5489), check(5489);
    const auto bits = check();
    CHECK(nn::unit_uniform(rng) == double(bits >> 11) * 0x1.0p-53);
    std::mt19937_64 r(1);
    for (int i = 0; i < 100000; ++i) {
        const double u = nn::unit_uniform(r);
        REQUIRE(u >= 0.0);
        REQUIRE(u < 1.0);
    }
}

TEST_CASE("Xavier and He bounds follow the layer's fans, and the draws fill them uniformly") {
    const std::size_t out = 300, in = 500;
    xt::xtensor<double, 2> w = xt::zeros<double>({out, in});
    std::mt19937_64 rng(7);

    const double xavier = std::sqrt(6.0 / double(in + out));
    nn::xavier_uniform(w, rng);
    double lo = 1, hi = -1, sum = 0, sum2 = 0;
    for (double v : w) {
        lo = std::min(lo, v), hi = std::max(hi, v), sum += v, sum2 += v * v;
    }
    const double n = double(w.size());
    CHECK(lo >= -xavier);
    CHECK(hi < xavier);
    // 150000 draws: the extremes come within 1e-4 of the bounds with probability
    // 1 − (1 − 0.5e-4)^150000 ≈ 1 − 6e-4 each, the mean within 4 standard errors of 0
    // and the variance within 2% of bound²/3, relative: the mean of v² over U(−r, r) has
    // relative standard error √(0.8 / n) = 0.23%, so 2% is 9 of them, while a bound off
    // by a factor k moves the variance by k² (a bound too small by 1% already shows in
    // the extremes).
    CHECK(lo < -xavier * (1 - 1e-4));
    CHECK(hi > xavier * (1 - 1e-4));
    CHECK(std::abs(sum / n) < 4 * xavier / std::sqrt(3 * n));
    CHECK(std::abs(sum2 / n / (xavier * xavier / 3) - 1) < 0.02);

    // He draws over the Xavier ones: an initialiser that left w alone (variance
    // xavier²/3 = 0.0025, not 0.004) or drew from half the bound fails both the
    // variance and the extremes.
    const double he = std::sqrt(6.0 / double(in));
    nn::he_uniform(w, rng);
    double var = 0, top = 0, bottom = 0;
    for (double v : w) var += v * v, top = std::max(top, v), bottom = std::min(bottom, v);
    CHECK(top < he);
    CHECK(bottom >= -he);
    CHECK(top > he * (1 - 1e-4));
    CHECK(bottom < -he * (1 - 1e-4));
    CHECK(std::abs(var / n / (2.0 / double(in)) - 1) < 0.02); // He: Var = 2 / fan_in
}
