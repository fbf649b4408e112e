// SPDX-License-Identifier: MIT
// Central finite differences in double, the referee for every derived gradient.
//
// Error metric: for each parameter tensor, max |derived − fd| / max(max |fd|, 1e-8),
// i.e. the worst entry relative to the tensor's scale (robust where an entry is
// near zero). With h = 1e-5·max(1, |θ|) the central difference's truncation error is
// O(h²·f‴) ≈ 1e-10 and its rounding error O(ε·|f|/h) ≈ 1e-11 for the O(1) functions
// tested here, so a tolerance of 1e-6 leaves four orders of margin for a correct
// gradient while any wrong derivative rule (errors of order 1) fails by far.
#pragma once

#include <algorithm>
#include <cmath>
#include <random>

#include <doctest/doctest.h>
#include <xtensor/xtensor.hpp>

#include <typegrad/typegrad.hpp>

namespace typegrad::testing {

inline constexpr double fd_tolerance = 1e-6;

// Largest relative difference between a derived gradient and central differences
// of f with respect to the tensor `theta` (bound by reference in `values`).
template <class F, class Values>
double fd_error(F f, Values& values, xt::xtensor<double, 2>& theta, const xt::xtensor<double, 2>& derived) {
    REQUIRE(derived.shape(0) == theta.shape(0));
    REQUIRE(derived.shape(1) == theta.shape(1));
    auto program = compile<double>(f);
    auto value = [&] {
        program.run(values);
        return program[f](0, 0);
    };
    double worst = 0, scale = 1e-8;
    xt::xtensor<double, 2> fd = xt::zeros<double>(theta.shape());
    for (std::size_t i = 0; i < theta.size(); ++i) {
        const double keep = theta.data()[i];
        const double h = 1e-5 * std::max(1.0, std::abs(keep));
        theta.data()[i] = keep + h;
        const double up = value();
        theta.data()[i] = keep - h;
        const double down = value();
        theta.data()[i] = keep;
        fd.data()[i] = (up - down) / (2 * h);
        scale = std::max(scale, std::abs(fd.data()[i]));
    }
    for (std::size_t i = 0; i < theta.size(); ++i)
        worst = std::max(worst, std::abs(derived.data()[i] - fd.data()[i]));
    return worst / scale;
}

// Checks grad(f, wrt...) against finite differences for every symbol in wrt.
// `tensors` are the bound values of the wrt symbols, in the same order.
template <class F, class Values, class... Wrt, class... Theta>
void check_gradient(F f, Values& values, std::tuple<Wrt...> wrt, std::tuple<Theta&...> tensors) {
    constexpr auto g = std::apply([](auto... s) { return grad(F{}, s...); }, std::tuple<Wrt...>{});
    auto derived = compile<double>(g);
    derived.run(values);
    auto one = [&]<std::size_t I>(std::integral_constant<std::size_t, I>) {
        const auto symbol = std::get<I>(wrt);
        const std::string name = to_text(symbol);
        const std::string function = to_text(f);
        CAPTURE(function);
        CAPTURE(name);
        CHECK(fd_error(f, values, std::get<I>(tensors), xt::xtensor<double, 2>(derived[symbol])) <= fd_tolerance);
    };
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        (one(std::integral_constant<std::size_t, I>{}), ...);
    }(std::index_sequence_for<Wrt...>{});
}

// Uniform random values in [lo, hi), seeded: tests are reproducible.
inline xt::xtensor<double, 2> random_matrix(std::size_t rows, std::size_t cols, double lo, double hi, unsigned seed) {
    std::mt19937_64 rng(seed);
    std::uniform_real_distribution<double> u(lo, hi);
    xt::xtensor<double, 2> m = xt::zeros<double>({rows, cols});
    for (auto& v : m) v = u(rng);
    return m;
}

} // namespace typegrad::testing
