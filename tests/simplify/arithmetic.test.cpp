// SPDX-License-Identifier: MIT
// The normal form every expression is built in, pinned as types: literal factors
// gather into one coefficient in front, commutative operands take one canonical
// order (so equal maths written two ways is one node), and the printed form
// shows the folded expression.
#include <doctest/doctest.h>

#include <typegrad/typegrad.hpp>
#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/pool.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto y = tg::var<"y">;
constexpr auto r = tg::row<"r">;
constexpr auto s = tg::scalar<"s">;
constexpr auto a3 = tg::name<"a3">(tg::sigmoid(x));
constexpr auto m = tg::cols(y);

template <class A, class B>
constexpr bool same = std::is_same_v<std::remove_const_t<A>, std::remove_const_t<B>>;
} // namespace

// Constant folding across products and quotients: literal factors gather in front.
static_assert(same<decltype(1_c / m * 2_c * (a3 - y)), decltype(2_c / m * (a3 - y))>);
static_assert(same<decltype(2_c * (a3 - y) / m), decltype(2_c / m * (a3 - y))>);
static_assert(same<decltype(2_c * x * 3_c), decltype(6_c * x)>);
static_assert(same<decltype(x * 2_c / 4_c), decltype(tg::lit<1, 2> * x)>);
static_assert(same<decltype(x / 2_c), decltype(tg::lit<1, 2> * x)>);
static_assert(same<decltype(2_c * (3_c * x)), decltype(6_c * x)>);
static_assert(same<decltype(2_c * (x / 4_c)), decltype(tg::lit<1, 2> * x)>);
// ... and 2/m folds further where m is static: cols of a 2×4 matrix is 4.
constexpr auto Y = tg::var<"Y", 2, 4>;
constexpr auto A = tg::var<"A", 2, 4>;
static_assert(same<decltype(1_c / tg::cols(Y) * 2_c * (A - Y)), decltype(tg::lit<1, 2> * (A - Y))>);
static_assert(same<decltype(tg::cols(Y)), tg::literal<4>>);
// Signs: a coefficient keeps its sign; −1 is a negation.
static_assert(same<decltype(-(2_c * x)), decltype(tg::lit<-2> * x)>);
static_assert(same<decltype((-2_c) * x), decltype(x * tg::lit<-2>)>);
static_assert(same<decltype(-(2_c / m)), decltype(tg::lit<-2> / m)>);
static_assert(same<decltype(tg::lit<-1, 2> * (2_c * x)), decltype(-x)>);
// A literal cancels against nothing it should not: x / x for a matrix stays a broadcast 1.
static_assert(same<decltype(2_c * x / x), decltype(tg::expand(2_c, x))>);

// Commutative operands in one canonical order: one type, hence one node.
static_assert(same<decltype(s * r), decltype(r * s)>);
static_assert(same<decltype(x + y), decltype(y + x)>);
static_assert(same<decltype(tg::exp(x) * tg::sin(y)), decltype(tg::sin(y) * tg::exp(x))>);
static_assert(same<decltype(tg::matmul(x, y) + s), decltype(s + tg::matmul(x, y))>);
// The order reads as written by hand: constants, matrix products, names, the rest.
static_assert(same<decltype(x * 3_c), decltype(3_c * x)>);
static_assert(tg::is_op<decltype(tg::matmul(x, y) + r), tg::add_op>::value &&
              same<decltype(tg::operand<0>(tg::matmul(x, y) + r)), decltype(tg::matmul(x, y))>);
static_assert(same<decltype(tg::operand<0>((1_c - a3) * a3)), decltype(a3)>);
// s ⊙ r and r ⊙ s in one graph are one node: s, r, s ⊙ r, and 2 ⊙ (s ⊙ r) for their sum.
static_assert(tg::topological_order<std::remove_const_t<decltype(s * r + r * s)>>::size == 5);

TEST_CASE("the folded and canonical forms are what the printer shows") {
    CHECK(tg::to_text(1_c / m * 2_c * (a3 - y)) == "2 / m ⊙ (a3 − y)");
    CHECK(tg::to_text(x / 2_c) == "1/2 ⊙ x");
    CHECK(tg::to_text(1_c / tg::cols(Y) * 2_c * (A - Y)) == "1/2 ⊙ (A − Y)");
    CHECK(tg::to_text(r * s) == tg::to_text(s * r));
    CHECK(tg::to_text(-(2_c * x)) == "−2 ⊙ x");
}

TEST_CASE("s ⊙ r and r ⊙ s are computed once and give the same value") {
    xt::xtensor<double, 2> R = {{1.0, 2.0, 3.0}}, S = {{0.5}};
    auto v = tg::values(r = R, s = S);
    auto value = tg::eval(tg::sum(s * r + r * s), v);
    CHECK(value(0, 0) == doctest::Approx(6.0));
}

// Operands of one rank are ordered by a hash of the op's type name; GCC and Clang spell
// nested templates differently ("> >" and ">>"), and the hash skips the difference. The
// values are pinned, so the Release build (g++) and the asan build (clang++) check that
// both compilers order, hence print, every formula the same way.
static_assert(tg::detail::op_hash<tg::abs_op> == 0xca30b15b61d85c41ull);
static_assert(tg::detail::op_hash<tg::max_pool_op<tg::window<6, 28, 28, 5, 1, 2>>> == 0xfb37277c0b83f04eull);
static_assert(tg::detail::op_hash<tg::patches_op<tg::window<6, 28, 28, 5, 1, 2>>> == 0xb656be02195b3858ull);
