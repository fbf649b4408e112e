// SPDX-License-Identifier: MIT
// One name, one symbol. Values are bound by name, so scalar<"w"> and var<"w"> in one
// graph would be two nodes (two adjoints) fed by one value, and a gradient taken by
// one of them silently misses the other's share. grad, compile and eval refuse such a
// graph at compile time, naming the name and both declarations.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <utility>

#include <typegrad/expr/node.hpp>
#include <typegrad/expr/type_list.hpp>

namespace typegrad {

// A name spelled as characters, which g++ and clang both print readably
// (clang prints a fixed_string as its character codes): spelled<'W', '1'>.
template <char... Name>
struct spelled {};

namespace detail {
template <fixed_string Name, std::size_t... I>
constexpr auto spell(std::index_sequence<I...>) {
    return spelled<Name.chars[I]...>{};
}
} // namespace detail

template <fixed_string Name>
using spelled_name = decltype(detail::spell<Name>(std::make_index_sequence<Name.size()>{}));

// Instantiated for two different declarations of one name, so that the compiler's
// message shows the name and both symbol types (with their static dimensions; -1 is dyn):
// symbol_declared_twice<spelled<'w'>, symbol<"w", 1, 1>, symbol<"w", -1, -1>>.
template <class Name, class First, class Second>
struct symbol_declared_twice {
    static_assert(sizeof(Name) == 0,
                  "typegrad: two different symbols share one name (the name and both declarations are in "
                  "symbol_declared_twice<spelled<name>, first, second>); values are bound by name, so declare "
                  "each name once (constexpr auto w = tg::var<\"w\">;) and use that symbol everywhere");
};

namespace detail {

struct symbol_key {
    std::string_view name;
    dim rows = 0, cols = 0;
    bool is_symbol = false;
};

// A class template, not a function of the node: GCC names every function it
// instantiates, and a node's name spells its subgraph (issue 15). Every node that is
// not a symbol shares one member.
struct not_a_symbol {
    static constexpr symbol_key value{};
};
template <class N>
struct symbol_key_of : not_a_symbol {};
template <fixed_string Name, dim R, dim C>
struct symbol_key_of<symbol<Name, R, C>> {
    static constexpr symbol_key value{Name.view(), R, C, true};
};

struct clash {
    std::size_t first = 0, second = 0;
    bool found = false;
};

// The first two nodes that are symbols of one name but different types. Pairwise
// over a constexpr table: no template recursion over the graph.
template <class... Ns>
constexpr clash first_clash(meta::type_list<Ns...>) {
    constexpr std::array<symbol_key, sizeof...(Ns)> keys = {symbol_key_of<Ns>::value...};
    std::array<std::size_t, sizeof...(Ns)> symbols{}; // pairs of symbols only: a graph has few
    std::size_t count = 0;
    for (std::size_t i = 0; i < keys.size(); ++i)
        if (keys[i].is_symbol) symbols[count++] = i;
    for (std::size_t a = 0; a < count; ++a)
        for (std::size_t b = a + 1; b < count; ++b) {
            const symbol_key &x = keys[symbols[a]], &y = keys[symbols[b]];
            if (x.name == y.name && (x.rows != y.rows || x.cols != y.cols)) return {symbols[a], symbols[b], true};
        }
    return {};
}

} // namespace detail

// Fails to compile when two different symbols among Nodes share a name.
template <class Nodes>
constexpr void require_distinct_symbols() {
    constexpr detail::clash c = detail::first_clash(Nodes{});
    if constexpr (c.found) {
        using first = meta::at<Nodes, c.first>;
        (void)sizeof(symbol_declared_twice<spelled_name<first::name>, first, meta::at<Nodes, c.second>>);
    }
}

} // namespace typegrad
