// SPDX-License-Identifier: MIT
// The printer: any node of a graph as text or LaTeX, read from the graph's tables
// (expr/graph.hpp). Each op renders itself from its operands' printed forms (its
// print rule, one function per op); the printer supplies names — symbols, labels,
// and any names a caller gives to shared nodes (formula's δ and t) — and shows a
// named node by its name wherever it is an operand. Nothing here is compiled per
// node type, so its cost is linear in the graph: the executor's error messages,
// to_text and formula all print through it.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/ad/derivative_name.hpp>
#include <typegrad/expr/graph.hpp>
#include <typegrad/expr/printed.hpp>

namespace typegrad {

namespace detail {

inline std::string latex_name(std::string_view name);

// ∂²f/∂y∂x → \frac{\partial^{2} f}{\partial y \partial x}
inline std::string derivative_latex(const derivative_parts& d) {
    auto power = [](int n) { return n > 1 ? "^{" + std::to_string(n) + "}" : std::string(); };
    std::string den;
    for (std::size_t k = 0; k < d.vars; ++k) {
        if (k > 0) den += ' ';
        den += "\\partial ";
        den += latex_name(d.var[k]);
        den += power(d.power[k]);
    }
    return "\\frac{\\partial" + power(d.order) + " " + latex_name(d.base) + "}{" + den + "}";
}

// "a3" → "a_{3}", "W1" → "W_{1}", "δ2" → "\delta_{2}", "fc1.W" → "\mathrm{fc1.W}",
// "∂f/∂x" → "\frac{\partial f}{\partial x}".
inline std::string latex_name(std::string_view name) {
    if (const derivative_parts d = parse_derivative(name); d.order > 0) return derivative_latex(d);
    std::string base(name), digits;
    while (!base.empty() && base.back() >= '0' && base.back() <= '9') {
        digits.insert(digits.begin(), base.back());
        base.pop_back();
    }
    if (base.rfind("δ", 0) == 0) { // δ3 → \delta_{3}, δJ → \delta_{J}
        std::string rest = base.substr(std::string("δ").size()) + digits;
        return rest.empty() ? "\\delta" : "\\delta_{" + rest + "}";
    }
    if (base.size() > 1 && base.find('\\') == std::string::npos) base = "\\mathrm{" + base + "}";
    if (base.empty()) return digits;
    return digits.empty() ? base : base + "_{" + digits + "}";
}

} // namespace detail

template <class Nodes>
class printer {
  public:
    using tables = graph<Nodes>;

    // Symbols and labels are names; `give_name` adds more.
    explicit printer(style s = style::text) : style_(s), names_(tables::size) {
        for (std::size_t i = 0; i < tables::size; ++i) names_[i] = std::string(tables::name[i]);
    }

    void give_name(std::size_t i, std::string name) { names_[i] = std::move(name); }
    bool has_name(std::size_t i) const { return !names_[i].empty(); }
    const std::string& name(std::size_t i) const { return names_[i]; }
    style text_style() const { return style_; }

    // Node i by its name if it has one, else in full.
    printed operator()(std::size_t i) const {
        if (has_name(i)) return {style_ == style::latex ? detail::latex_name(names_[i]) : names_[i], prec::atom};
        return expand(i);
    }

    // Node i in full, its operands by name where they have one.
    printed expand(std::size_t i) const {
        if (tables::kind[i] == node_kind::symbol) return (*this)(i);
        if (tables::kind[i] == node_kind::literal) {
            const auto v = tables::value[i];
            return {detail::rational_text(v.num, v.den, style_), detail::rational_precedence(v.num, v.den, style_)};
        }
        std::array<printed, max_arity> operands;
        for (std::size_t k = 0; k < tables::arity[i]; ++k) operands[k] = (*this)(tables::operands[i][k]);
        return tables::print[i](operands.data(), style_);
    }

    // "name = full form" for a named node, the full form otherwise.
    std::string definition(std::size_t i) const {
        const std::string full = expand(i).text;
        return has_name(i) && tables::kind[i] != node_kind::symbol ? (*this)(i).text + " = " + full : full;
    }

    // Node i in one line of text, labels by name: for error messages and titles.
    static std::string text(std::size_t i) { return printer(style::text)(i).text; }

    // The symbols node i depends on, comma-separated, in topological order.
    static std::string symbols(std::size_t i) {
        const auto reached = tables::reached_from(i);
        std::string out;
        for (std::size_t j = 0; j <= i; ++j)
            if (reached[j] && tables::kind[j] == node_kind::symbol) out += (out.empty() ? "" : ", ") + std::string(tables::name[j]);
        return out;
    }

  private:
    style style_;
    std::vector<std::string> names_;
};

// One line of text for a node, labels shown by name: for error messages and titles.
template <node N>
std::string to_text(N) {
    using nodes = topological_order<N>;
    return printer<nodes>::text(nodes::size - 1);
}

} // namespace typegrad
