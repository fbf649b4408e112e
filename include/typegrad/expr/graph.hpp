// SPDX-License-Identifier: MIT
// The graph hub. The unique nodes of one or more expressions in topological order
// (topological_order.hpp: operands before their consumers; type identity is node
// identity, so a subexpression used twice is one node), and constexpr tables, one entry per node,
// for every fact a walk needs: operands, consumers, use counts, reachability, the
// node's kind (views included), its name (symbol or label), its literal value and
// its print rule. The derivation, the schedule, the printer and the formula read
// these tables; none of them walks the types again.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <typegrad/expr/node.hpp>
#include <typegrad/expr/op_kind.hpp>
#include <typegrad/expr/printed.hpp>
#include <typegrad/expr/topological_order.hpp>
#include <typegrad/expr/type_list.hpp>

namespace typegrad {

inline constexpr std::size_t max_arity = 3; // where(mask, a, b)
inline constexpr std::size_t no_node = std::size_t(-1);

namespace detail {

// Operand K of node N, or no_operand past N's arity.
struct no_operand {};
template <class N, std::size_t K>
struct operand_or_none {
    using type = no_operand;
};
template <class Op, class L, class... A, std::size_t K>
    requires(K < sizeof...(A))
struct operand_or_none<expr<Op, L, A...>, K> {
    using type = meta::at<meta::type_list<A...>, K>;
};


// The op of a node; void for a symbol or a literal.
template <class N>
struct op_of {
    using type = void;
};
template <class Op, class L, class... A>
struct op_of<expr<Op, L, A...>> {
    using type = Op;
};
template <class N>
using op_of_t = typename op_of<N>::type;

// The per-node entries of the tables below come from functions of the op (one per op,
// short names) and class templates of the node, never from a function of the node:
// GCC names every function it instantiates, and a node's name spells its whole
// subgraph (issue 15).

// Which of an op's Arity operands it reads the values of (the rest: their shapes only).
template <class Op, std::size_t Arity>
constexpr std::array<bool, max_arity> op_reads_value() {
    std::array<bool, max_arity> used{};
    if constexpr (requires { Op::uses_value(0); })
        for (std::size_t k = 0; k < Arity; ++k) used[k] = Op::uses_value(k);
    return used;
}

struct edge {
    std::size_t consumer;
    std::size_t position;
};

// Edges (consumer, operand position) grouped by the operand they point to.
template <std::size_t Size, std::size_t Edges>
struct edge_table {
    std::array<std::size_t, Size + 1> first{};
    std::array<edge, Edges + 1> edges{};
};

template <std::size_t Size, std::size_t Edges>
constexpr edge_table<Size, Edges> consumers_of(const std::array<std::array<std::size_t, max_arity>, Size>& operands,
                                               const std::array<std::size_t, Size>& arity) {
    edge_table<Size, Edges> t{};
    for (std::size_t j = 0; j < Size; ++j)
        for (std::size_t k = 0; k < arity[j]; ++k) ++t.first[operands[j][k] + 1];
    for (std::size_t i = 0; i < Size; ++i) t.first[i + 1] += t.first[i];
    std::array<std::size_t, Size + 1> next = t.first;
    for (std::size_t j = 0; j < Size; ++j)
        for (std::size_t k = 0; k < arity[j]; ++k) t.edges[next[operands[j][k]]++] = {j, k};
    return t;
}

// The kind of an op's nodes (void: a literal, told apart from a symbol by the caller).
template <class Op>
constexpr node_kind op_node_kind() {
    if constexpr (std::is_void<Op>::value) return node_kind::literal;
    else if constexpr (requires { requires Op::view; }) return node_kind::view;
    else if constexpr (Op::kind == op_kind::gemm) return node_kind::gemm;
    else if constexpr (Op::kind == op_kind::compute) return node_kind::compute;
    else return node_kind::elementwise;
}
template <class N>
struct kind_of_node : std::integral_constant<node_kind, is_symbol<N>::value ? node_kind::symbol : op_node_kind<op_of_t<N>>()> {};

// A symbol's name or a node's label; empty for other nodes.
template <class N>
struct name_of_node : no_name_text {};
template <fixed_string Name, dim R, dim C>
struct name_of_node<symbol<Name, R, C>> : name_text<Name> {};
template <class Op, fixed_string Name, class... A>
struct name_of_node<expr<Op, label<Name>, A...>> : name_text<Name> {};

struct literal_value {
    long long num = 0, den = 1;
};
// An op's print rule behind one function pointer: compiled once per op and arity,
// whatever the operands' types.
using print_rule = printed (*)(const printed*, style);
template <class Op, std::size_t Arity>
printed print_with(const printed* operands, style s) {
    std::array<printed, Arity> a;
    for (std::size_t k = 0; k < Arity; ++k) a[k] = operands[k];
    return Op::print(a, s);
}
template <class Op, std::size_t Arity>
constexpr print_rule print_rule_for() {
    if constexpr (std::is_void<Op>::value) return nullptr;
    else return &print_with<Op, Arity>;
}

} // namespace detail

namespace detail {

// Node N's K-th operand as an id in Nodes, no_node past its arity. (A class template,
// no lambda or function per node: GCC would name each, and each name would spell the
// node list.)
template <class Nodes, class N, std::size_t K, class X = typename operand_or_none<N, K>::type>
struct operand_id : meta::index_in<Nodes, X> {};
template <class Nodes, class N, std::size_t K>
struct operand_id<Nodes, N, K, no_operand> : std::integral_constant<std::size_t, no_node> {};

// The tables, built once per node list. Nodes is the list itself, as one type beside
// its elements Ns: a pattern that named the list as type_list<Ns...> would expand the
// whole pack again for every element.
template <class Nodes, class = Nodes>
struct graph_tables;
template <class Nodes, class... Ns>
struct graph_tables<Nodes, meta::type_list<Ns...>> {
    static constexpr std::size_t size = sizeof...(Ns);

    // Each node's operands as ids, no_node past its arity.
    static_assert(((operands_t<Ns>::size <= max_arity) && ...), "typegrad: an op has more operands than max_arity");
    static constexpr std::array<std::array<std::size_t, max_arity>, size> operands = {
        std::array<std::size_t, max_arity>{operand_id<Nodes, Ns, 0>::value, operand_id<Nodes, Ns, 1>::value,
                                           operand_id<Nodes, Ns, 2>::value}...};
    static_assert(max_arity == 3, "typegrad: graph::operands lists three operand slots");
    static constexpr std::array<std::array<bool, max_arity>, size> reads_value = {
        op_reads_value<op_of_t<Ns>, operands_t<Ns>::size>()...};
    static constexpr std::array<std::size_t, size> arity = {operands_t<Ns>::size...};
    static constexpr std::size_t edge_count = (std::size_t{0} + ... + operands_t<Ns>::size);

    static constexpr std::array<node_kind, size> kind = {kind_of_node<Ns>::value...};
    static constexpr std::array<std::string_view, size> name = {name_of_node<Ns>::value...};
    static constexpr std::array<literal_value, size> value = {
        literal_value{literal_or<Ns, literal<0>>::num, literal_or<Ns, literal<0>>::den}...}; // 0 for other nodes
    static constexpr std::array<print_rule, size> print = {print_rule_for<op_of_t<Ns>, operands_t<Ns>::size>()...};
};

} // namespace detail

// Tables over a node list, all computed at compile time. The tables come from a base
// that expands the list once; the per-node lookups (node<I>, id_of<N>) are members of
// a class of the list as one type, so each substitutes one argument, where in a
// partial specialisation over the list's elements each would rebuild the whole list:
// a cost per lookup that grew with the graph (issue 15). A walk over every node still
// does better to expand the list itself than to ask node<I> for each I (type_list.hpp).
template <class Nodes>
struct graph : detail::graph_tables<Nodes> {
    using nodes = Nodes;
    using base = detail::graph_tables<Nodes>;
    using base::size, base::operands, base::reads_value, base::arity, base::edge_count, base::kind, base::name; // read below

    // Node N's id: id_of<N>::value in the library (a variable per node would be a symbol
    // spelling the whole node list), id<N> for static_asserts on a schedule.
    template <class N>
    using id_of = meta::index_in<Nodes, N>;
    template <class N>
    static constexpr std::size_t id = id_of<N>::value;

    template <std::size_t I>
    using node = meta::at<Nodes, I>;

    // The consumers of node i are consumers.edges[consumers.first[i] .. consumers.first[i + 1]).
    static constexpr auto consumers = detail::consumers_of<size, edge_count>(operands, arity);

    static constexpr bool is_labelled(std::size_t i) {
        return !name[i].empty() && kind[i] != node_kind::symbol;
    }

    // How many consumers read node i's value (an operand read for its shape only is
    // not a use).
    static constexpr std::array<std::size_t, size> uses = [] {
        std::array<std::size_t, size> u{};
        for (std::size_t j = 0; j < size; ++j)
            for (std::size_t k = 0; k < arity[j]; ++k)
                if (reads_value[j][k]) ++u[operands[j][k]];
        return u;
    }();

    // The nodes whose values node `root` reads, directly or through others
    // (root included). One backward sweep: operands come before their consumers.
    static constexpr std::array<bool, size> reached_from(std::size_t root) {
        std::array<bool, size> reached{};
        reached[root] = true;
        for (std::size_t j = root + 1; j-- > 0;) {
            if (!reached[j]) continue;
            for (std::size_t k = 0; k < arity[j]; ++k)
                if (reads_value[j][k]) reached[operands[j][k]] = true;
        }
        return reached;
    }
};

} // namespace typegrad
