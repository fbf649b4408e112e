// SPDX-License-Identifier: MIT
// What the compiler derives, checked as types: the seed's δ = a − y falls out of
// the general cancellation rule, identities vanish, and the fused forms stay finite
// where the unfused chain of the same maths gives NaN.
#include <cmath>

#include <doctest/doctest.h>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto y = tg::var<"y">;
constexpr auto W1 = tg::var<"W1">;
constexpr auto b1 = tg::col<"b1">;
constexpr auto W2 = tg::var<"W2">;
constexpr auto b2 = tg::col<"b2">;

constexpr auto a2 = tg::name<"a2">(tg::sigmoid(tg::matmul(W1, x) + b1));
constexpr auto z3 = tg::matmul(W2, a2) + b2;
constexpr auto a3 = tg::name<"a3">(tg::sigmoid(z3));
constexpr auto J = tg::binary_cross_entropy(a3, y);
} // namespace

// The seed's central result, as a type comparison: ∂J/∂z3 is (a3 − y)/m, with no
// trace of the 1/(a(1 − a)) that the loss's derivative and σ′ multiply together.
static_assert(std::is_same_v<decltype(tg::adjoint(J, z3)), decltype((a3 - y) / tg::cols(y))>);

// The hidden layer: δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 − a2).
static_assert(std::is_same_v<decltype(tg::adjoint(J, tg::matmul(W1, x) + b1)),
                             decltype(tg::matmul(tg::transpose(W2), (a3 - y) / tg::cols(y)) * (a2 * (1_c - a2)))>);

// softmax + cross-entropy: ∂J/∂z = (softmax(z) − y)/m.
static_assert(std::is_same_v<decltype(tg::adjoint(tg::softmax_cross_entropy(z3, y), z3)),
                             decltype((tg::softmax(z3) - y) / tg::cols(y))>);

// Identities.
static_assert(std::is_same_v<decltype(x * 1_c), std::remove_const_t<decltype(x)>>);
static_assert(std::is_same_v<decltype(1_c * x), std::remove_const_t<decltype(x)>>);
static_assert(std::is_same_v<decltype(x + 0_c), std::remove_const_t<decltype(x)>>);
static_assert(std::is_same_v<decltype(x * 0_c), tg::literal<0>>);
static_assert(std::is_same_v<decltype(-(-x)), std::remove_const_t<decltype(x)>>);
static_assert(std::is_same_v<decltype(x - (-y)), decltype(x + y)>);
static_assert(std::is_same_v<decltype(x / 1_c), std::remove_const_t<decltype(x)>>);
static_assert(std::is_same_v<decltype(x + x), decltype(2_c * x)>);

// The general rule: a factor in a numerator and a denominator cancels, for
// compositions nobody wrote a rule for.
static_assert(std::is_same_v<decltype((x / tg::exp(y)) * tg::exp(y)), std::remove_const_t<decltype(x)>>);
static_assert(std::is_same_v<decltype((x * tg::sin(y)) / tg::sin(y)), std::remove_const_t<decltype(x)>>);
// Where the cancelled factor set the shape, the rest is broadcast back to it:
// (s / W) ⊙ W for a scalar s is s in every entry of a W-shaped matrix.
static_assert(std::is_same_v<decltype((tg::scalar<"s"> / W1) * W1), decltype(tg::expand(tg::scalar<"s">, W1))>);
static_assert(std::is_same_v<decltype(tg::adjoint(tg::sum(tg::log(tg::exp(x))), x)), decltype(tg::expand(1_c, tg::exp(x)))>);

TEST_CASE("sigmoid with binary cross-entropy stays finite at logits of ±1000; the unfused chain gives NaN") {
    constexpr auto z = tg::var<"z">;
    constexpr auto a = tg::sigmoid(z);
    constexpr auto fused = tg::binary_cross_entropy(a, y);
    // The same loss written out by hand: its derivative divides by a and by 1 − a.
    constexpr auto unfused = -tg::sum(y * tg::log(a) + (1_c - y) * tg::log(1_c - a)) / tg::cols(y);

    xt::xtensor<double, 2> Z = {{1000.0, -1000.0}, {-1000.0, 1000.0}}, Y = {{0.0, 1.0}, {1.0, 1.0}};
    auto v = tg::values(z = Z, y = Y);
    auto g_fused = tg::eval(tg::grad(fused, z), v);
    auto g_unfused = tg::eval(tg::grad(unfused, z), v);

    // (a − y)/m with a ∈ {0, 1}: exactly ±1/2 or 0.
    CHECK(g_fused[z](0, 0) == doctest::Approx(0.5));
    CHECK(g_fused[z](0, 1) == doctest::Approx(-0.5));
    CHECK(g_fused[z](1, 0) == doctest::Approx(-0.5));
    CHECK(g_fused[z](1, 1) == doctest::Approx(0.0));
    bool any_nan = false;
    for (double d : g_unfused[z]) any_nan = any_nan || std::isnan(d);
    CHECK(any_nan);
}

TEST_CASE("softmax with cross-entropy stays finite at logits of ±1000") {
    constexpr auto z = tg::var<"z">;
    xt::xtensor<double, 2> Z = {{1000.0, -1000.0}, {-1000.0, 1000.0}}, Y = {{0.0, 1.0}, {1.0, 0.0}};
    auto g = tg::eval(tg::grad(tg::softmax_cross_entropy(z, y), z), tg::values(z = Z, y = Y));
    CHECK(std::isfinite(g.value()));
    CHECK(g.value() == doctest::Approx(2000.0)); // both columns are wrong by 2000 nats
    CHECK(g[z](0, 0) == doctest::Approx(0.5));
    CHECK(g[z](1, 0) == doctest::Approx(-0.5));
}
