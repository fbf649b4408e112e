// SPDX-License-Identifier: MIT
// The printed form of a node: text with its binding strength, in one of two
// styles. Each op renders itself from its operands' printed forms (its `print`
// member); print/printer.hpp walks the graph and supplies the names.
#pragma once

#include <string>
#include <string_view>

namespace typegrad {

// Binding strengths, so the printer adds only the parentheses the maths needs.
namespace prec {
inline constexpr int add = 10;     // a + b, a − b
inline constexpr int mul = 20;     // a ⊙ b, a / b
inline constexpr int matmul = 25;  // A B
inline constexpr int neg = 30;     // −a
inline constexpr int postfix = 40; // Aᵀ, f(a)
inline constexpr int atom = 50;    // names, numbers
} // namespace prec

struct printed {
    std::string text;
    int precedence = prec::atom;
};

enum class style { text, latex };

inline std::string parenthesize(const printed& p, int min_precedence, style s) {
    if (p.precedence >= min_precedence) return p.text;
    return s == style::latex ? "\\left(" + p.text + "\\right)" : "(" + p.text + ")";
}

// f(a) in both styles; `latex_name` like "\\sigma" or "\\operatorname{relu}".
inline printed print_call(std::string_view text_name, std::string_view latex_name, const printed& a, style s) {
    if (s == style::latex) return {std::string(latex_name) + "\\left(" + a.text + "\\right)", prec::postfix};
    return {std::string(text_name) + "(" + a.text + ")", prec::postfix};
}
// f(a, b), the same for two arguments: max(a, b).
inline printed print_call(std::string_view text_name, std::string_view latex_name, const printed& a, const printed& b,
                          style s) {
    return print_call(text_name, latex_name, {a.text + ", " + b.text, prec::atom}, s);
}

namespace detail {

// The sign of a literal is the minus sign negation prints: −2, −1/2.
inline std::string rational_text(long long num, long long den, style s) {
    const std::string sign = num < 0 ? (s == style::latex ? "-" : "−") : "";
    const std::string magnitude = std::to_string(num < 0 ? -num : num);
    if (den == 1) return sign + magnitude;
    if (s == style::latex) return sign + "\\frac{" + magnitude + "}{" + std::to_string(den) + "}";
    return sign + magnitude + "/" + std::to_string(den);
}

// A literal binds as an atom, a fraction in text as a quotient, a negative one as a negation.
inline int rational_precedence(long long num, long long den, style s) {
    if (num < 0) return prec::neg;
    return den == 1 || s == style::latex ? prec::atom : prec::mul;
}

} // namespace detail

} // namespace typegrad
