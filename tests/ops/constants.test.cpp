// SPDX-License-Identifier: MIT
// Irrational constants are nodes: they compute their value and print by name.
#include <numbers>

#include <support/finite_differences.hpp>

namespace tg = typegrad;

namespace {
constexpr auto a = tg::var<"a">;
} // namespace

TEST_CASE("pi is a node with the value of π") {
    xt::xtensor<double, 2> A = {{1, 2}};
    auto v = tg::eval(tg::pi * a, tg::values(a = A));
    CHECK(v(0, 1) == 2 * std::numbers::pi);
    CHECK(tg::to_text(tg::pi * a) == "π ⊙ a");
    CHECK(tg::latex(tg::pi * a).find("\\pi \\odot a") != std::string::npos);
    CHECK(tg::to_text(tg::adjoint(tg::sum(tg::pi * a), a)) == "π"); // π broadcast to a's shape
    auto g = tg::eval(tg::grad(tg::sum(tg::pi * a), a), tg::values(a = A))[a];
    CHECK(g == xt::xtensor<double, 2>{{std::numbers::pi, std::numbers::pi}});
}
