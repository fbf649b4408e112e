// SPDX-License-Identifier: MIT
// Run-time shape mismatches throw before anything is computed, naming the op, the
// expression with its symbols, and both shapes.
#include <doctest/doctest.h>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
constexpr auto W = tg::var<"W">;
constexpr auto x = tg::var<"x">;
constexpr auto b = tg::col<"b">;
constexpr auto c = tg::var<"c">;

std::string message_of(auto&& f) {
    try {
        f();
    } catch (const tg::shape_error& e) {
        return e.what();
    }
    return "(no exception)";
}
bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
} // namespace

TEST_CASE("a matrix product of mismatched shapes names matmul, its operands and both shapes") {
    xt::xtensor<double, 2> Wv = xt::zeros<double>({3, 4}), xv = xt::zeros<double>({5, 2});
    const std::string m = message_of([&] { tg::eval(tg::sum(tg::matmul(W, x)), tg::values(W = Wv, x = xv)); });
    CAPTURE(m);
    CHECK(contains(m, "matmul"));
    CHECK(contains(m, "W x"));
    CHECK(contains(m, "3×4"));
    CHECK(contains(m, "5×2"));
}

TEST_CASE("an elementwise op whose shapes do not broadcast names the op and both shapes") {
    xt::xtensor<double, 2> bv = xt::zeros<double>({2, 1}), cv = xt::zeros<double>({3, 4});
    const std::string m = message_of([&] { tg::eval(tg::sum(b + c), tg::values(b = bv, c = cv)); });
    CAPTURE(m);
    CHECK(contains(m, "+"));
    CHECK(contains(m, "2×1"));
    CHECK(contains(m, "3×4"));
    CHECK(contains(m, "b, c"));
}

TEST_CASE("a dynamic dimension does not broadcast: the message says how to declare one that does") {
    xt::xtensor<double, 2> bv = xt::zeros<double>({3, 1}), cv = xt::zeros<double>({3, 4});
    constexpr auto d = tg::var<"d">; // not declared as a column
    const std::string m = message_of([&] { tg::eval(tg::sum(d + c), tg::values(d = bv, c = cv)); });
    CAPTURE(m);
    CHECK(contains(m, "col<"));
}

TEST_CASE("a value that contradicts a symbol's static shape is refused") {
    constexpr auto s = tg::var<"s", 2, 3>;
    xt::xtensor<double, 2> sv = xt::zeros<double>({3, 2});
    const std::string m = message_of([&] { tg::eval(tg::sum(s), tg::values(s = sv)); });
    CAPTURE(m);
    CHECK(contains(m, "s is 3×2"));
    CHECK(contains(m, "declared 2×3"));
}
