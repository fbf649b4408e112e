// SPDX-License-Identifier: MIT
// The printer shows the seed's formulas for the seed's network, in text and in
// LaTeX, with the user's names first and δ for the shared adjoints.
#include <doctest/doctest.h>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto y = tg::var<"y">;
constexpr auto W1 = tg::var<"W1">;
constexpr auto b1 = tg::col<"b1">;
constexpr auto W2 = tg::var<"W2">;
constexpr auto b2 = tg::col<"b2">;
constexpr auto a2 = tg::name<"a2">(tg::sigmoid(tg::matmul(W1, x) + b1));
constexpr auto a3 = tg::name<"a3">(tg::sigmoid(tg::matmul(W2, a2) + b2));
constexpr auto J = tg::name<"J">(tg::binary_cross_entropy(a3, y));
constexpr auto dJ = tg::grad(J, W1, b1, W2, b2);

bool contains(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }
} // namespace

TEST_CASE("the seed network's gradient prints as the seed derives it") {
    const std::string text = tg::formula(dJ);
    CAPTURE(text);
    CHECK(contains(text, "δ3 = (a3 − y) / m\n"));
    CHECK(contains(text, "∂J/∂W2 = δ3 a2ᵀ\n"));
    CHECK(contains(text, "∂J/∂b2 = rowsum(δ3)\n"));
    CHECK(contains(text, "δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 − a2)\n"));
    CHECK(contains(text, "∂J/∂W1 = δ2 xᵀ\n"));
    CHECK(contains(text, "∂J/∂b1 = rowsum(δ2)\n"));
    CHECK(contains(text, "a2 = σ(W1 x + b1)\n"));
    CHECK(contains(text, "a3 = σ(W2 a2 + b2)\n"));
    // δ3 is defined before the lines that use it
    CHECK(text.find("δ3 =") < text.find("∂J/∂W2"));
    CHECK(text.find("δ3 =") < text.find("δ2 ="));
}

TEST_CASE("the same gradient in LaTeX") {
    const std::string tex = tg::latex(dJ);
    CAPTURE(tex);
    CHECK(contains(tex, "\\begin{aligned}"));
    CHECK(contains(tex, "\\delta_{3} &= \\frac{a_{3} - y}{m}"));
    CHECK(contains(tex, "\\frac{\\partial J}{\\partial W_{1}} &= \\delta_{2} x^{\\top}"));
    CHECK(contains(tex, "\\left(W_{2}^{\\top} \\delta_{3}\\right) \\odot a_{2} \\odot \\left(1 - a_{2}\\right)"));
}

TEST_CASE("a forward expression prints with its named intermediates") {
    const std::string text = tg::formula(J);
    CHECK(contains(text, "a2 = σ(W1 x + b1)\n"));
    CHECK(contains(text, "J = BCE(a3, y)\n"));
}

TEST_CASE("parentheses appear exactly where precedence needs them") {
    constexpr auto a = tg::var<"a">;
    constexpr auto b = tg::var<"b">;
    constexpr auto c = tg::var<"c">;
    CHECK(tg::to_text((a + b) * c) == "(a + b) ⊙ c");
    CHECK(tg::to_text(a + b * c) == "a + b ⊙ c");
    CHECK(tg::to_text(a - (b - c)) == "a − (b − c)");
    CHECK(tg::to_text(a / (b * c)) == "a / (b ⊙ c)");
    CHECK(tg::to_text(tg::matmul(tg::transpose(a + b), c)) == "(a + b)ᵀ c");
    CHECK(tg::to_text(-tg::exp(a)) == "−exp(a)");
}
