// SPDX-License-Identifier: MIT
// Numbers beside nodes: a compile-time constant that carries its value in its type
// (std::integral_constant, std::ratio) is the literal it stands for. (Plain numbers
// are refused: compile-fail tests in tests/errors.)
#include <ratio>
#include <type_traits>

#include <support/finite_differences.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {
constexpr auto a = tg::var<"a">;
template <int N>
constexpr std::integral_constant<int, N> int_c{};
} // namespace

TEST_CASE("std::integral_constant and std::ratio beside a node are the literals they stand for") {
    static_assert(std::is_same_v<decltype(int_c<1> - a), decltype(1_c - a)>);
    static_assert(std::is_same_v<decltype(a / int_c<2>), decltype(a / 2_c)>);
    static_assert(std::is_same_v<decltype(int_c<2> * a), decltype(2_c * a)>);
    static_assert(std::is_same_v<decltype(a + std::ratio<1, 2>{}), decltype(a + 0.5_c)>);
    static_assert(std::is_same_v<decltype(std::ratio<3, 4>{} * a), decltype(tg::lit<3, 4> * a)>);
    static_assert(std::is_same_v<decltype(a * int_c<1>), std::remove_const_t<decltype(a)>>); // a ⊙ 1 = a
    static_assert(std::is_same_v<decltype(tg::pow(a, int_c<3>)), decltype(tg::pow(a, 3_c))>);
}

TEST_CASE("an expression written with integral constants computes and differentiates") {
    xt::xtensor<double, 2> A = {{0.25, 2.0}};
    auto g = tg::eval(tg::grad(tg::sum((int_c<1> - a) * a / int_c<2>), a), tg::values(a = A));
    CHECK(g.value() == doctest::Approx((0.75 * 0.25 + -1.0 * 2.0) / 2).epsilon(1e-15));
    CHECK(g[a](0, 0) == doctest::Approx((1 - 2 * 0.25) / 2).epsilon(1e-15)); // d/da (a − a²)/2 = (1 − 2a)/2
    CHECK(g[a](0, 1) == doctest::Approx((1 - 2 * 2.0) / 2).epsilon(1e-15));
}
