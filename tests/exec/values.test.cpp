// SPDX-License-Identifier: MIT
// values(...): a plain number bound beside tensors takes their scalar type (a 1×1
// tensor), so `lam = 1e-4` sits beside float tensors; with numbers only, values
// compute in double. (Double binding, different scalar types, non-floating tensors
// and two symbols of one name are compile-fail tests in tests/errors.)
#include <type_traits>

#include <support/finite_differences.hpp>

namespace tg = typegrad;

namespace {
constexpr auto a = tg::var<"a">;
constexpr auto lam = tg::scalar<"lam">;
constexpr auto k = tg::scalar<"k">;
} // namespace

TEST_CASE("a plain double bound beside float tensors converts to float") {
    xt::xtensor<float, 2> A = {{1.0f, 2.0f}, {3.0f, 4.0f}};
    auto v = tg::values(a = A, lam = 1e-4); // was: "values(...) requires every bound value to have the same scalar type"
    static_assert(std::is_same_v<decltype(v)::value_type, float>);
    auto s = tg::eval(tg::sum(lam * tg::square(a)), v);
    static_assert(std::is_same_v<decltype(s), xt::xtensor<float, 2>>);
    CHECK(s(0, 0) == doctest::Approx(1e-4 * 30).epsilon(1e-6)); // float: relative rounding ~6e-8 per op
    auto g = tg::eval(tg::grad(tg::sum(lam * tg::square(a)), a, lam), v);
    CHECK(g[a](1, 1) == doctest::Approx(2e-4 * 4).epsilon(1e-6));
    CHECK(g[lam](0, 0) == doctest::Approx(30).epsilon(1e-6));
}

TEST_CASE("plain numbers of any arithmetic type take the tensors' type, wherever they are bound") {
    xt::xtensor<double, 2> A = {{0.5}};
    auto v = tg::values(k = 3, a = A, lam = 0.25f); // an int and a float beside double tensors
    static_assert(std::is_same_v<decltype(v)::value_type, double>);
    CHECK(tg::eval(k * a + lam, v)(0, 0) == 1.75);
}

TEST_CASE("values made of plain numbers only compute in double") {
    auto v = tg::values(k = 2, lam = 0.5f);
    static_assert(std::is_same_v<decltype(v)::value_type, double>);
    CHECK(tg::eval(k * lam, v)(0, 0) == 1.0);
}

TEST_CASE("a tensor bound as an lvalue is still referenced, not copied") {
    xt::xtensor<double, 2> A = {{1.0}};
    auto v = tg::values(a = A, lam = 2.0);
    A(0, 0) = 5.0; // a training loop updates parameters in place
    CHECK(tg::eval(a * lam, v)(0, 0) == 10.0);
}
