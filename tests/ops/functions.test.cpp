// SPDX-License-Identifier: MIT
// exp, log, sqrt, square, pow, sin, cos: derived gradients equal central
// differences on random shapes; log, sqrt and fractional powers get inputs inside
// their domain.
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using namespace tg::literals;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto p = tg::var<"p">; // positive values
constexpr auto w = tg::var<"w">;
} // namespace

TEST_CASE("elementwise functions: derived gradients match finite differences") {
    for (unsigned seed = 1; seed <= 3; ++seed) {
        const std::size_t rows = seed, cols = 1 + seed % 3;
        auto A = random_matrix(rows, cols, -2, 2, seed);
        auto P = random_matrix(rows, cols, 0.3, 3, seed + 10);
        auto W = random_matrix(rows, cols, -1, 1, seed + 20);
        auto v = tg::values(a = A, p = P, w = W);
        check_gradient(tg::sum(w * tg::exp(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::log(p)), v, std::tuple{p}, std::tie(P));
        check_gradient(tg::sum(w * tg::sqrt(p)), v, std::tuple{p}, std::tie(P));
        check_gradient(tg::sum(w * tg::square(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::pow(a, 3_c)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::pow(p, tg::lit<-3, 2>)), v, std::tuple{p}, std::tie(P));
        check_gradient(tg::sum(w * tg::sin(a)), v, std::tuple{a}, std::tie(A));
        check_gradient(tg::sum(w * tg::cos(a)), v, std::tuple{a}, std::tie(A));
    }
}

TEST_CASE("pow with the exponents 1, 2 and 1/2 is the identity, square and sqrt") {
    static_assert(std::is_same_v<decltype(tg::pow(a, 1_c)), std::remove_const_t<decltype(a)>>);
    static_assert(std::is_same_v<decltype(tg::pow(a, 2_c)), decltype(tg::square(a))>);
    static_assert(std::is_same_v<decltype(tg::pow(a, tg::lit<1, 2>)), decltype(tg::sqrt(a))>);
}
