// SPDX-License-Identifier: MIT
// A steady-state training step makes no heap allocation, for every network of the
// benchmark suite (benchmarks/steps/cases.hpp) in float and double: after the first
// step has sized the program's buffers, further steps -- with the parameters updated
// in place between them, as a training loop does -- must not reach operator new.
// `deep` keeps its layer sizes but runs on a batch of 32 instead of 256, to keep the
// test quick in any build type; buffer sizes do not change the count.
#include <cstddef>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <doctest/doctest.h>

#include <xtensor/xnoalias.hpp>

#include <typegrad/nn/model.hpp>
#include <typegrad/typegrad.hpp>

#include <support/allocation_counter.hpp>

namespace tg = typegrad;

namespace {

template <class T>
xt::xtensor<T, 2> uniform(std::size_t rows, std::size_t cols, T lo, T hi, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<T> u(lo, hi);
    xt::xtensor<T, 2> t = xt::xtensor<T, 2>::from_shape({rows, cols});
    for (auto& v : t)
        v = u(gen);
    return t;
}

// Allocations made by `steps` training steps after the first, with an SGD-like
// in-place update of every weight between steps.
template <class T, std::size_t Depth>
long allocations_after_first_step(const std::vector<std::size_t>& widths, std::size_t batch,
                                  int steps) {
    constexpr auto dJ = tg::nn::mlp<Depth, tg::nn::activation::sigmoid, tg::nn::head::sigmoid_bce>::gradient;
    REQUIRE(widths.size() == Depth + 1);
    const auto x = uniform<T>(widths.front(), batch, 0, 1, 1);
    const auto y = uniform<T>(widths.back(), batch, 0, 1, 2);
    std::vector<xt::xtensor<T, 2>> W, b;
    for (std::size_t l = 0; l < Depth; ++l) {
        W.push_back(uniform<T>(widths[l + 1], widths[l], T(-0.1), T(0.1), unsigned(10 + l)));
        b.push_back(uniform<T>(widths[l + 1], 1, T(-0.1), T(0.1), unsigned(20 + l)));
    }
    return [&]<std::size_t... L>(std::index_sequence<L...>) {
        const auto values =
            tg::values(tg::var<"x"> = x, tg::var<"y"> = y, (tg::nn::fc<L + 1>::W = W[L])...,
                       (tg::nn::fc<L + 1>::b = b[L])...);
        auto step = tg::compile<T>(dJ);
        step.run(values); // the first step sizes the buffers
        const T lr = T(0.01);
        const long before = tg::testing::allocations();
        for (int i = 0; i < steps; ++i) {
            // noalias: a plain `W -= e` evaluates e into a temporary first (xtensor's
            // aliasing guard), which is the update's allocation, not the step's.
            ((xt::noalias(W[L]) -= lr * step[tg::nn::fc<L + 1>::W]), ...);
            ((xt::noalias(b[L]) -= lr * step[tg::nn::fc<L + 1>::b]), ...);
            step.run(values);
        }
        return tg::testing::allocations() - before;
    }
    (std::make_index_sequence<Depth>{});
}

template <class T>
void check_every_case() {
    SUBCASE("seed 2-2-2, batch 4") {
        CHECK(allocations_after_first_step<T, 2>({2, 2, 2}, 4, 5) == 0);
    }
    SUBCASE("ex4 400-25-10, batch 5000") {
        CHECK(allocations_after_first_step<T, 2>({400, 25, 10}, 5000, 3) == 0);
    }
    SUBCASE("fashion 784-256-10, batch 128") {
        CHECK(allocations_after_first_step<T, 2>({784, 256, 10}, 128, 3) == 0);
    }
    SUBCASE("deep 784-1024-1024-1024-10, batch 32") {
        CHECK(allocations_after_first_step<T, 4>({784, 1024, 1024, 1024, 10}, 32, 3) == 0);
    }
}

} // namespace

TEST_CASE(
    "a steady-state training step of every benchmark network makes no heap allocation (float)") {
    check_every_case<float>();
}

TEST_CASE(
    "a steady-state training step of every benchmark network makes no heap allocation (double)") {
    check_every_case<double>();
}

TEST_CASE("the allocation counter sees an update that allocates, and not one that does not") {
    // A check that can fail: xtensor's `w -= e` goes through a temporary.
    xt::xtensor<float, 2> w = xt::zeros<float>({8, 8}), g = xt::ones<float>({8, 8});
    long before = tg::testing::allocations();
    w -= 0.1f * g;
    CHECK(tg::testing::allocations() > before);
    before = tg::testing::allocations();
    xt::noalias(w) -= 0.1f * g;
    CHECK(tg::testing::allocations() == before);
    CHECK(w(0, 0) == doctest::Approx(-0.2));
}
