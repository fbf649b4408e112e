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
    // ⊙ is commutative: names come before compound operands in the canonical order
    CHECK(tg::to_text((a + b) * c) == "c ⊙ (a + b)");
    CHECK(tg::to_text((a + b) / c) == "(a + b) / c");
    CHECK(tg::to_text(a + b * c) == "a + b ⊙ c");
    CHECK(tg::to_text(a - (b - c)) == "a − (b − c)");
    CHECK(tg::to_text(a / (b * c)) == "a / (b ⊙ c)");
    CHECK(tg::to_text(tg::matmul(tg::transpose(a + b), c)) == "(a + b)ᵀ c");
    CHECK(tg::to_text(-tg::exp(a)) == "−exp(a)");
}

TEST_CASE("a gradient of a gradient prints as ∂²f/∂s², with ∂f/∂s defined after where") {
    constexpr auto s = tg::scalar<"s">;
    constexpr auto t = tg::scalar<"t">;
    constexpr auto f = s * t + tg::sin(s) * tg::exp(t);
    constexpr auto df_ds = tg::grad(f, s)[s];
    const std::string text = tg::formula(tg::grad(df_ds, s, t));
    CAPTURE(text);
    CHECK(contains(text, "∂²f/∂s² = "));
    CHECK(contains(text, "∂²f/∂t∂s = "));
    CHECK(contains(text, "where\n  ∂f/∂s = "));
    CHECK(!contains(text, "  f = "));
    const std::string third = tg::formula(tg::grad(tg::grad(df_ds, s)[s], s));
    CAPTURE(third);
    CHECK(contains(third, "∂³f/∂s³ = "));
    CHECK(contains(tg::latex(tg::grad(df_ds, s)), "\\frac{\\partial^{2} f}{\\partial s^{2}}"));
}

TEST_CASE("printed names never collide with the user's") {
    constexpr auto x = tg::var<"x">;
    constexpr auto W = tg::var<"W">;
    constexpr auto V = tg::var<"V">;
    // Two labels of layer 1 (z1 and h1): their adjoints are δz1 and δh1, not δ1 and δ1′.
    constexpr auto z1 = tg::name<"z1">(tg::matmul(W, x));
    constexpr auto h1 = tg::name<"h1">(tg::sigmoid(z1) * z1);
    constexpr auto L = tg::name<"L">(tg::sum(tg::matmul(V, h1) * tg::matmul(V, h1)));
    const std::string text = tg::formula(tg::grad(L, W, V, x));
    CAPTURE(text);
    CHECK(!contains(text, "′"));
    CHECK(contains(text, "δh1 = "));
    CHECK(contains(text, "δz1 = "));

    // A user's own node named f: the unnamed function is called g, and f keeps its definition.
    constexpr auto f = tg::name<"f">(tg::exp(x));
    const std::string own = tg::formula(tg::grad(tg::sum(f * f), x));
    CAPTURE(own);
    CHECK(contains(own, "∂g/∂x = "));
    CHECK(contains(own, "  f = exp(x)\n"));
    CHECK(contains(own, "  g = Σ(f ⊙ f)\n"));

    // A user's symbol named t1 is never the name of a temporary.
    constexpr auto t1 = tg::var<"t1">;
    const std::string temps = tg::formula(tg::grad(tg::sum(tg::exp(x * t1) * tg::exp(x * t1) * x), x, t1));
    CAPTURE(temps);
    CHECK(!contains("\n" + temps, "\nt1 = "));
    CHECK(contains(temps, "t2 = exp(t1 ⊙ x)\n")); // the first temporary: t1 is taken
}
