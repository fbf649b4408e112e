// SPDX-License-Identifier: MIT
// The unique nodes of one or more expressions in topological order: operands before
// their consumers, depth first, in the order operands are written. Type identity is
// node identity, so a subexpression used twice is one node. Every table of the graph
// hub (graph.hpp) is indexed by this order.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/expr/node.hpp>
#include <typegrad/expr/type_list.hpp>

namespace typegrad {

namespace detail {

// The nodes visited so far, as a chain of classes: each step derives from the one
// before, so visiting a node adds one class with three bases. (A flat list would be
// copied whole at every step, and its set rebuilt for every lookup: O(n²) work for
// the sort, the largest cost left in a deep network's compile; issue 15.) A node is
// in the chain when tag<N> is one of its bases; indexed<N, i> numbers it.
struct visited_none {};
template <class Prev, class N, std::size_t Count>
struct visited : Prev, meta::tag<N>, meta::indexed<N, Count - 1> {};

template <class Chain>
struct count_of_chain : std::integral_constant<std::size_t, 0> {};
template <class Prev, class N, std::size_t Count>
struct count_of_chain<visited<Prev, N, Count>> : std::integral_constant<std::size_t, Count> {};

template <class Visited, class List>
struct visit_all;

// Depth first: a node's operands, then the node.
template <class Visited, class N, bool Seen = std::is_base_of<meta::tag<N>, Visited>::value>
struct visit {
    using type = Visited;
};
template <class Visited, class N>
struct visit<Visited, N, false> {
    using after_operands = typename visit_all<Visited, operands_t<N>>::type;
    using type = visited<after_operands, N, count_of_chain<after_operands>::value + 1>;
};

template <class Visited>
struct visit_all<Visited, meta::type_list<>> {
    using type = Visited;
};
template <class Visited, class H, class... T>
struct visit_all<Visited, meta::type_list<H, T...>> {
    using type = typename visit_all<typename visit<Visited, H>::type, meta::type_list<T...>>::type;
};

// The chain as one flat list, built once.
template <class Chain, class = std::make_index_sequence<count_of_chain<Chain>::value>>
struct flat_order;
template <class Chain, std::size_t... I>
struct flat_order<Chain, std::index_sequence<I...>> {
    using type = meta::type_list<typename decltype(meta::at_from<I>(std::declval<const Chain&>()))::type...>;
};

template <class Roots>
using order_of = typename flat_order<typename visit_all<visited_none, Roots>::type>::type;

} // namespace detail

// The unique nodes reachable from Roots, operands first.
template <class... Roots>
using topological_order = detail::order_of<meta::type_list<Roots...>>;
// The same for roots given as a list.
template <class Roots>
using topological_order_of = detail::order_of<Roots>;

} // namespace typegrad
