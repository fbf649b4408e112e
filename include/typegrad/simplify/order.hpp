// SPDX-License-Identifier: MIT
// One canonical order for the operands of a commutative op, so that s ⊙ r and
// r ⊙ s are one type, hence one node: one buffer and one computation.
// The order is chosen to read as the maths is usually written:
//   constants first (2 ⊙ x, 2 / m ⊙ x), then matrix products and reductions
//   (W1 x + b1, (W2ᵀ δ3) ⊙ a2), then symbols and named nodes by name
//   (a2 ⊙ (1 − a2)), then other operations by a structural hash.
// Every key is a constexpr value computed once per node type; comparing two
// nodes never walks their subgraphs again.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <type_traits>

#include <typegrad/ops/op_base.hpp>

namespace typegrad::detail {

struct order_key {
    int rank = 0;
    std::string_view name; // a symbol's or label's name; empty otherwise
    std::uint64_t hash = 0;
};

constexpr std::uint64_t hash_mix(std::uint64_t h, std::uint64_t v) {
    return (h ^ v) * 0x100000001b3ull + 0x9e3779b97f4a7c15ull;
}
// A hash of the text (FNV-style) with its spaces skipped: op type names come from the compiler,
// and GCC writes "> >" where Clang writes ">>" (below). A name that differs from
// another by spaces alone hashes the same; the hash only breaks ties, and equal keys
// are harmless (goes_before).
constexpr std::uint64_t hash_text(std::string_view s) {
    std::uint64_t h = 0xcbf29ce484222325ull;
    for (char c : s)
        if (c != ' ') h = hash_mix(h, static_cast<unsigned char>(c));
    return h;
}

// The op's type as the compiler spells it: ops are small tag types, so this
// tells apart ops that share a display name (pow<2> and pow<3>). Only the type is
// kept ("Op = typegrad::pow_op<2>" up to ";" or "]"), and hashed without its spaces:
// the canonical order, hence the printed formula, must not depend on the compiler.
template <class Op>
constexpr std::string_view op_type_name() {
    const std::string_view f = __PRETTY_FUNCTION__;
    const std::size_t from = f.find("Op = ") + 5;
    return f.substr(from, f.find_first_of(";]", from) - from);
}
template <class Op>
constexpr std::uint64_t op_hash = hash_text(op_type_name<Op>()); // once per op

// The quotient op, declared by ops/arithmetic.hpp: a quotient whose numerator is
// a literal (2 / m) is a coefficient and goes first, like a literal.
// (Inline, unlike the per-node traits: it is specialised, and an explicit specialisation
// of a variable template gets external linkage from clang; one per op, short names.)
template <class Op>
inline constexpr bool is_quotient_op = false;

// c / d with a literal numerator (a node without operands, π, is none).
template <class Op, class... A>
struct is_literal_quotient : std::false_type {};
template <class Op, class A0, class... A>
struct is_literal_quotient<Op, A0, A...> : std::bool_constant<is_quotient_op<Op> && is_literal<A0>::value> {};

template <class T>
struct node_key;

template <fixed_string N, dim R, dim C>
struct node_key<symbol<N, R, C>> {
    static constexpr order_key value{3, N.view(), hash_mix(hash_text(N.view()), std::uint64_t(R * 31 + C))};
};
template <long long N, long long D>
struct node_key<literal<N, D>> {
    static constexpr order_key value{0, {}, hash_mix(std::uint64_t(N), std::uint64_t(D))};
};
// A label's name, or nothing for an unlabelled node.
template <class L>
struct label_text : no_name_text {};
template <fixed_string N>
struct label_text<label<N>> : name_text<N> {};

// h mixed with each part in turn.
template <class... Parts>
constexpr std::uint64_t mix_all(std::uint64_t h, Parts... parts) {
    ((h = hash_mix(h, parts)), ...);
    return h;
}

// Where a node sorts: constants, matrix products, the rest, names.
constexpr int rank_of(bool labelled, bool literal_quotient, op_kind kind) {
    if (labelled) return 4;
    if (literal_quotient) return 0; // c / d, a coefficient
    if (kind == op_kind::gemm) return 1;
    if (kind == op_kind::compute) return 2;
    return 5;
}

// The key as a static member of a class keyed by its values (rank, label, hash), not
// by the node: GCC names every static member it instantiates, and a member of
// node_key<expr<...>> would be named after the node's whole subgraph, one per node
// of every graph (issue 15). The values are computed by functions of plain values.
template <int Rank, class L, std::uint64_t Hash>
struct keyed {
    static constexpr order_key value{Rank, label_text<L>::value, Hash};
};
template <class Op, class L, class... A>
struct node_key<expr<Op, L, A...>>
    : keyed<rank_of(!std::is_same<L, no_label>::value, is_literal_quotient<Op, A...>::value, Op::kind), L,
            std::is_same<L, no_label>::value
                ? mix_all(op_hash<Op>, node_key<A>::value.hash...)
                : hash_mix(mix_all(op_hash<Op>, node_key<A>::value.hash...), hash_text(label_text<L>::value))> {};

// True when the node keyed a goes strictly before the node keyed b. Two different
// nodes with equal keys (a hash collision) keep the order they were written in: the
// value is the same either way.
constexpr bool key_before(const order_key& a, const order_key& b) {
    if (a.rank != b.rank) return a.rank < b.rank;
    if (a.name != b.name) return a.name < b.name;
    return a.hash < b.hash;
}
template <class A, class B>
struct goes_before : std::bool_constant<key_before(node_key<A>::value, node_key<B>::value)> {};

} // namespace typegrad::detail
