// SPDX-License-Identifier: MIT
// Type lists and membership/index lookups. A lookup is one overload resolution on an
// inherited index table, not a recursive `is_same` scan: no class is instantiated per
// element. It is not free: GCC tries the table's bases one by one when it deduces an
// index or a type from them (all n lookups into an n-element list: 0.21, 0.56, 2.3 s
// for n = 500, 1000, 2000), so a walk over every node of a graph expands the list with
// its indices side by side (exec/planned.hpp, exec/shapes.hpp) instead of asking
// at<L, I> for each I.
//
// Why the per-node traits here and across typegrad are class templates
// (`contains<L, T>::value`, `is_zero<N>::value`) and not variable templates, lambdas
// or functions: GCC enters every instantiated variable template, lambda and function
// template in its symbol table (internal linkage, constexpr and consteval alike) and
// mangles its name, at a cost that grows faster than the name. A node's type spells
// its subgraph and a list's spells every node, so one such entry per node made the
// compile time grow faster than the graph. So does a static data member: it is
// named after its class. A class template derived from std::integral_constant gets no
// entry of its own, because the member it inherits is named after the value alone; the
// same trick (list_size below, literal_factors, detail::shaped, plan_facts) keeps every
// other per-node value in a base keyed by the value. (benchmarks/compile/mlp_gradient.cpp;
// the README's compile-cost section has the figures.)
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

namespace typegrad::meta {

// The size sits in a base keyed by the size alone, so that it is one member per
// size, not one per list (see above: a static member is named after its class).
template <std::size_t N>
struct list_size {
    static constexpr std::size_t size = N;
};

template <class... Ts>
struct type_list : list_size<sizeof...(Ts)> {};

template <class T>
struct tag {
    using type = T;
};

// Membership: a list's set inherits tag<T> for each element.
template <class... Ts>
struct type_set : tag<Ts>... {};

// A list's set, made once per list: a lookup names the list, not its elements, so
// asking about another T does not substitute the whole pack again.
template <class List>
struct set_of;
template <class... Ts>
struct set_of<type_list<Ts...>> {
    using type = type_set<Ts...>;
};

template <class List, class T>
struct contains : std::is_base_of<tag<T>, typename set_of<List>::type> {};
// The elements of several lists, in order.
template <class... Lists>
struct concat {
    using type = type_list<>;
};
template <class... A>
struct concat<type_list<A...>> {
    using type = type_list<A...>;
};
template <class... A, class... B, class... Rest>
struct concat<type_list<A...>, type_list<B...>, Rest...> : concat<type_list<A..., B...>, Rest...> {};
template <class... Lists>
using concat_t = typename concat<Lists...>::type;

// Index of a type in a list of unique types.
template <class T, std::size_t I>
struct indexed {};

template <class Seq, class... Ts>
struct index_table_impl;
template <std::size_t... Is, class... Ts>
struct index_table_impl<std::index_sequence<Is...>, Ts...> : indexed<Ts, Is>... {};

// Declared only: read in decltype, where overload resolution picks T's base.
template <class T, std::size_t I>
std::integral_constant<std::size_t, I> index_tag(indexed<T, I>);

template <class List>
struct index_table;
template <class... Ts>
struct index_table<type_list<Ts...>> : index_table_impl<std::index_sequence_for<Ts...>, Ts...> {};

// (Through a reference: `index_table<List>{}` would build an aggregate of n bases
// at every lookup.)
template <class List, class T>
struct index_in : decltype(index_tag<T>(std::declval<const index_table<List>&>())) {};
template <class List, class T>
constexpr std::size_t index_of = index_in<List, T>::value;

// Index of T in a list of unique types, or std::size_t(-1) when T is not in it.
template <class List, class T>
constexpr std::size_t find() {
    if constexpr (contains<List, T>::value) return index_in<List, T>::value;
    else return std::size_t(-1);
}

// Element I of a list.
template <std::size_t I, class T>
struct at_entry {
    using type = T;
};
template <std::size_t I, class T>
at_entry<I, T> at_from(indexed<T, I>);

// A class template, so that each (list, index) is looked up once: an alias would
// redo the overload resolution, which tries every element's base, at every use.
template <class List, std::size_t I>
struct at_index {
    using type = typename decltype(at_from<I>(std::declval<const index_table<List>&>()))::type;
};
template <class List, std::size_t I>
using at = typename at_index<List, I>::type;

// The list backwards.
template <class List>
struct reverse;
template <>
struct reverse<type_list<>> {
    using type = type_list<>;
};
template <class H, class... T>
struct reverse<type_list<H, T...>> {
    using type = concat_t<typename reverse<type_list<T...>>::type, type_list<H>>;
};
template <class List>
using reverse_t = typename reverse<List>::type;

// The list without the first occurrence of T; `found` says whether T was there.
template <bool Found>
struct found_flag {
    static constexpr bool found = Found;
};
template <class List, class T, class Done = type_list<>>
struct remove_first;
template <class T, class... Done>
struct remove_first<type_list<>, T, type_list<Done...>> : found_flag<false> {
    using type = type_list<Done...>;
};
template <class T, class... Rest, class... Done>
struct remove_first<type_list<T, Rest...>, T, type_list<Done...>> : found_flag<true> {
    using type = type_list<Done..., Rest...>;
};
template <class H, class... Rest, class T, class... Done>
struct remove_first<type_list<H, Rest...>, T, type_list<Done...>> : remove_first<type_list<Rest...>, T, type_list<Done..., H>> {};

} // namespace typegrad::meta
