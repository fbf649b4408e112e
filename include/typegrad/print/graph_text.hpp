// SPDX-License-Identifier: MIT
// Printing nodes of a graph from constexpr tables, at run time. The executor needs
// the text of a node only on an error path, but expression_printer would compile a
// printer for every node type of the program (each with its own sub-graph), which
// grows faster than the program. Here each node is one table entry and each op's
// print rule is compiled once per op, so the cost is linear in the graph.
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>

#include <typegrad/expr/graph.hpp>
#include <typegrad/print/expression.hpp>

namespace typegrad {

namespace detail {

using print_fn = printed (*)(const printed*, style);

template <class Op, std::size_t Arity>
printed print_op(const printed* operands, style s) {
    std::array<printed, Arity> a;
    for (std::size_t k = 0; k < Arity; ++k) a[k] = operands[k];
    return Op::print(a, s);
}

struct node_entry {
    std::string_view name; // the symbol's name or the node's label, if any
    bool is_symbol = false, is_literal = false;
    long long num = 0, den = 1;
    print_fn print = nullptr;
};

template <class N>
constexpr node_entry entry_of() {
    node_entry e;
    if constexpr (is_symbol_v<N>) {
        e.is_symbol = true;
        e.name = N::name.view();
    } else if constexpr (is_literal_v<N>) {
        e.is_literal = true;
        e.num = N::num;
        e.den = N::den;
    } else {
        if constexpr (has_label_v<N>) e.name = N::label_type::name.view();
        e.print = &print_op<typename N::op, operands_t<N>::size>;
    }
    return e;
}

} // namespace detail

template <class Nodes>
struct graph_text;

template <class... N>
struct graph_text<meta::type_list<N...>> {
    using tables = graph<meta::type_list<N...>>;
    static constexpr std::array<detail::node_entry, sizeof...(N)> entries = {detail::entry_of<N>()...};

    // Node i in one line of text, its labelled operands by name (as to_text does).
    static std::string text(std::size_t i) {
        const auto& e = entries[i];
        if (!e.name.empty()) return std::string(e.name);
        return expand(i).text;
    }

    // The symbols node i depends on, comma-separated, in topological order.
    static std::string symbols(std::size_t i) {
        std::array<bool, sizeof...(N)> reached{};
        reached[i] = true;
        for (std::size_t j = i + 1; j-- > 0;) {
            if (!reached[j]) continue;
            for (std::size_t k = 0; k < tables::arity[j]; ++k)
                if (tables::reads_value[j][k]) reached[tables::operands[j][k]] = true;
        }
        std::string out;
        for (std::size_t j = 0; j <= i; ++j)
            if (reached[j] && entries[j].is_symbol) out += (out.empty() ? "" : ", ") + std::string(entries[j].name);
        return out;
    }

  private:
    static printed named_or_expanded(std::size_t i) {
        if (!entries[i].name.empty()) return {std::string(entries[i].name), prec::atom};
        return expand(i);
    }

    static printed expand(std::size_t i) {
        const auto& e = entries[i];
        if (e.is_symbol) return {std::string(e.name), prec::atom};
        if (e.is_literal)
            return {detail::rational_text(e.num, e.den, style::text), e.num < 0 ? prec::neg : e.den == 1 ? prec::atom : prec::mul};
        std::array<printed, max_arity> operands;
        for (std::size_t k = 0; k < tables::arity[i]; ++k) operands[k] = named_or_expanded(tables::operands[i][k]);
        return e.print(operands.data(), style::text);
    }
};

// One line of text for a node, labels shown by name: for error messages and titles.
template <node N>
std::string to_text(N) {
    using nodes = topological_order<N>;
    return graph_text<nodes>::text(meta::index_of<nodes, N>);
}

} // namespace typegrad
