// SPDX-License-Identifier: MIT
// formula(...) and latex(...): the derived gradient as the equations one would
// write by hand. Shared subexpressions get names (print/names.hpp): the user's
// labels first, then δ for the adjoint of a layer; the network itself is listed
// after "where". Everything is printed from the graph tables by the one printer.
#pragma once

#include <array>
#include <string>
#include <vector>

#include <typegrad/ad/derivative_name.hpp>
#include <typegrad/ad/grad.hpp>
#include <typegrad/print/names.hpp>
#include <typegrad/print/printer.hpp>

namespace typegrad {

namespace detail {

struct formula_line {
    std::string lhs;
    std::string rhs;
};

inline std::string render_lines(const std::vector<formula_line>& lines, const std::vector<formula_line>& where, style s) {
    std::string out;
    if (s == style::latex) {
        out = "\\begin{aligned}\n";
        auto emit = [&](const formula_line& l) { out += l.lhs + " &= " + l.rhs + " \\\\\n"; };
        for (const auto& l : lines) emit(l);
        if (!where.empty()) out += "&\\text{where} \\\\\n";
        for (const auto& l : where) emit(l);
        out += "\\end{aligned}\n";
    } else {
        for (const auto& l : lines) out += l.lhs + " = " + l.rhs + "\n";
        if (!where.empty()) out += "where\n";
        for (const auto& l : where) out += "  " + l.lhs + " = " + l.rhs + "\n";
    }
    return out;
}

// ∂f/∂x, ∂²f/∂x², ∂²f/∂y∂x: the derivative of the function named `f` by x.
inline std::string partial_title(const std::string& f, std::string_view x, style s) {
    const derivative_parts d = differentiate(f, x);
    return s == style::text ? std::string(derivative_text(d).view()) : derivative_latex(d);
}

// Every labelled node of F, operands first, and F itself under `fname`.
template <class F>
void forward_definitions(std::vector<formula_line>& where, style s, const std::string& fname) {
    using nodes = topological_order<F>;
    using tables = graph<nodes>;
    printer<nodes> p(s);
    for (std::size_t i = 0; i < tables::size; ++i)
        if (tables::is_labelled(i)) where.push_back({p(i).text, p.expand(i).text});
    if (!has_label<F>::value) where.push_back({s == style::latex ? latex_name(fname) : fname, p.expand(tables::size - 1).text});
}

// "m = number of columns of y (the batch size)" for every cols(·) node.
template <class Nodes>
void cols_notes(std::vector<formula_line>& where, style s) {
    using tables = graph<Nodes>;
    constexpr auto is_cols = []<class... N>(meta::type_list<N...>) {
        return std::array<bool, tables::size>{is_op<N, count_op<count::cols>>::value...};
    }(Nodes{});
    const printer<Nodes> p(style::text);
    for (std::size_t i = 0; i < tables::size; ++i)
        if (is_cols[i])
            where.push_back({"m", (s == style::latex ? "\\text{number of columns of } " : "number of columns of ") +
                                      p(tables::operands[i][0]).text +
                                      (s == style::latex ? "\\text{ (the batch size)}" : " (the batch size)")});
}

// Node i of Order (a gradient program's graph) as formula(grad(F, Wrt...)) shows it,
// with the pass that computes it: "δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 − a2) in the backward pass".
// For anomaly reports; compiled only for programs that detect anomalies.
template <class Order, class F, class... Wrt>
std::string describe_gradient_node(std::size_t i) {
    using forward = topological_order<F>;
    using backward = typename gradient_graph<F, Wrt...>::order;
    using tables = graph<Order>;
    constexpr auto ids = []<class... N>(meta::type_list<N...>) {
        return std::array<std::array<std::size_t, 2>, tables::size>{
            std::array<std::size_t, 2>{meta::find<forward, N>(), meta::find<backward, N>()}...};
    }(Order{});
    if (ids[i][0] != no_node) return printer<forward>(style::text).definition(ids[i][0]) + " in the forward pass";
    if (ids[i][1] != no_node) {
        printer<backward> p(style::text);
        name_backward_nodes<F, Wrt...>(p);
        const std::string name = p(ids[i][1]).text, full = p.expand(ids[i][1]).text;
        return (name == full ? full : name + " = " + full) + " in the backward pass";
    }
    return printer<Order>::text(i);
}

} // namespace detail

// The derived gradient, one equation per line.
template <class F, class... Wrt>
std::string formula(gradient<F, Wrt...>, style s = style::text) {
    using g = detail::gradient_graph<F, Wrt...>;
    using tables = typename g::tables;
    printer<typename g::order> p(s);
    const std::vector<bool> defined = detail::name_backward_nodes<F, Wrt...>(p);

    const std::string fname = detail::function_name<F>();
    const std::array<std::string, sizeof...(Wrt)> titles = {detail::partial_title(fname, Wrt::name.view(), s)...};

    // Each ∂f/∂x line comes right after the last definition it uses, in the order
    // the symbols were given to grad; definitions come before their first use.
    // (A named node is a use; what it reads is its own definition's business.)
    std::array<std::vector<std::size_t>, sizeof...(Wrt)> uses_named;
    for (std::size_t o = 0; o < g::output_ids.size(); ++o) {
        std::vector<bool> reached(tables::size);
        reached[g::output_ids[o]] = true;
        for (std::size_t j = g::output_ids[o] + 1; j-- > 0;) {
            if (!reached[j]) continue;
            if (defined[j]) {
                uses_named[o].push_back(j);
                continue;
            }
            for (std::size_t k = 0; k < tables::arity[j]; ++k)
                if (tables::reads_value[j][k]) reached[tables::operands[j][k]] = true;
        }
    }
    std::vector<detail::formula_line> lines;
    std::vector<bool> emitted(tables::size);
    std::array<bool, sizeof...(Wrt)> written{};
    auto flush_ready = [&] {
        for (std::size_t o = 0; o < g::output_ids.size(); ++o) {
            if (written[o]) continue;
            bool ready = true;
            for (std::size_t d : uses_named[o]) ready = ready && emitted[d];
            if (!ready) continue;
            written[o] = true;
            lines.push_back({titles[o], p(g::output_ids[o]).text});
        }
    };
    for (std::size_t i = 0; i < tables::size; ++i) {
        if (!defined[i]) continue;
        lines.push_back({p(i).text, p.expand(i).text});
        emitted[i] = true;
        flush_ready();
    }
    flush_ready();

    std::vector<detail::formula_line> where;
    detail::forward_definitions<F>(where, s, fname);
    detail::cols_notes<topological_order<F, typename derivation<F>::template adjoint_of<Wrt>...>>(where, s);
    return detail::render_lines(lines, where, s);
}

// A forward expression: its labelled intermediates and the whole.
template <node E>
std::string formula(E, style s = style::text) {
    std::vector<detail::formula_line> lines;
    detail::forward_definitions<E>(lines, s, detail::function_name<E>());
    std::vector<detail::formula_line> where;
    detail::cols_notes<topological_order<E>>(where, s);
    return detail::render_lines(lines, where, s);
}

template <class G>
std::string latex(G g) {
    return formula(g, style::latex);
}

} // namespace typegrad
