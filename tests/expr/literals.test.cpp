// SPDX-License-Identifier: MIT
// `_c` gives the exact rational of every form C++ accepts for a number (exponents,
// digit separators, hexadecimal, octal, binary, hex floats), and folding literals
// stays exact. (Literals that do not fit 64 bits, and folds that overflow, are
// compile-fail tests in tests/errors.)
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using namespace tg::literals;

namespace {
template <long long Num, long long Den, class L>
constexpr bool is(L) {
    return std::is_same_v<L, tg::literal<Num, Den>>;
}
} // namespace

TEST_CASE("decimal literals with exponents are exact: 1e-4_c is 1/10000") {
    static_assert(is<1, 10000>(1e-4_c)); // was 6274
    static_assert(is<1000, 1>(1e3_c));   // was 633
    static_assert(is<1, 4>(2.5e-1_c));   // was 30271/10000
    static_assert(is<100, 1>(1E2_c));    // was 312
    static_assert(is<1000, 1>(1e+3_c));
    static_assert(is<1, 2>(.5_c));
    static_assert(is<1, 1>(1._c));
    static_assert(is<25, 2>(012.5_c)); // a leading zero before a point is decimal
    static_assert(is<1, 1'000'000'000'000'000'000>(1e-18_c));
    static_assert(is<1, 2'000'000'000'000'000'000>(5e-19_c)); // 10^19 does not fit, 5/10^19 does
    static_assert(is<0, 1>(0e99999_c));
}

TEST_CASE("digit separators and trailing zeros do not change or overflow a literal") {
    static_assert(is<1000, 1>(1'000_c));
    static_assert(is<1, 1>(1'000'000e-6_c));
    static_assert(is<1, 1>(1.000000000000000000000000000000_c)); // 31 digits, value 1
    static_assert(is<9'223'372'036'854'775'807, 1>(9223372036854775807_c));
}

TEST_CASE("hexadecimal, octal and binary literals mean what they mean in C++") {
    static_assert(is<16, 1>(0x10_c)); // was 7210
    static_assert(is<255, 1>(0XFF_c));
    static_assert(is<8, 1>(010_c)); // was 10
    static_assert(is<3, 1>(0b11_c)); // was 5011
    static_assert(is<2, 1>(0B1'0_c));
    static_assert(is<3, 1>(0x1.8p1_c)); // hex floats: 1.5 · 2¹
    static_assert(is<1, 4>(0x1p-2_c));
    static_assert(is<10, 1>(0xAp0_c));
}

TEST_CASE("folding literals is exact and reduces: long decimals multiply without overflow when the result fits") {
    static_assert(is<1, 100'000'000>(1e-4_c * 1e-4_c));
    static_assert(is<3, 10>(0.1_c + 0.2_c));
    static_assert(is<1'000'000'000'000'000'000, 1>(1e9_c * 1e9_c));
    static_assert(is<1, 1>(123456789.123_c / 123456789.123_c));
    static_assert(is<-1, 10>(0.1_c - 0.2_c));
}

TEST_CASE("a regularised loss with 1e-4_c computes the value it spells") {
    // The report: data_loss + 1e-4_c * reg gave 436 548 instead of 2.39.
    constexpr auto e = tg::var<"e">;
    constexpr auto w = tg::var<"w">;
    constexpr auto loss = tg::mean(tg::square(e)) + 1e-4_c * tg::sum(tg::square(w));
    xt::xtensor<double, 2> E = {{1.5, -1.6}}, W = {{3.0, 4.0}};
    const double expected = (1.5 * 1.5 + 1.6 * 1.6) / 2 + 1e-4 * 25.0;
    auto value = tg::eval(loss, tg::values(e = E, w = W));
    CHECK(value(0, 0) == doctest::Approx(expected).epsilon(1e-15));
    auto g = tg::eval(tg::grad(loss, w), tg::values(e = E, w = W));
    CHECK(g[w](0, 1) == doctest::Approx(2e-4 * 4.0).epsilon(1e-15)); // ∂/∂w 1e-4 Σ w² = 2e-4 w
}
