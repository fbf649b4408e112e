// SPDX-License-Identifier: MIT
// The schedule's facts about each node as types, for the kernels (fusion.hpp).
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/exec/schedule.hpp>
#include <typegrad/exec/signature.hpp>
#include <typegrad/expr/graph.hpp>

namespace typegrad {

// A node as the kernels see it: its signature, its id, how the schedule treats it
// and, where the kernel reaches through it (a fused node, a transpose read in place),
// its operands the same way. The kernels below are free functions of this type
// rather than members of a class of the whole graph: a member's symbol spells the
// whole node list and the schedule, GCC's mangler is quadratic in a name's length,
// and one such member per node made the executor's compile time grow with the
// square of the graph (issue 15).
// The facts sit in a base keyed by the facts alone: a static member of planned_node
// would be named after its operands too.
template <std::size_t Id, node_kind Kind, bool Materialized, bool TransposedRead>
struct plan_facts {
    static constexpr std::size_t id = Id;
    static constexpr node_kind kind = Kind;
    static constexpr bool materialized = Materialized;
    static constexpr bool transposed_read = TransposedRead;
};
template <class N, std::size_t Id, node_kind Kind, bool Materialized, bool TransposedRead, class... Operands>
struct planned_node : plan_facts<Id, Kind, Materialized, TransposedRead> { // N: the node's signature_of
    using type = N;
    template <std::size_t K>
    using operand = meta::at<meta::type_list<Operands...>, K>;
};

namespace kernels {
// What a node without a buffer runs by itself: nothing (it is fused into its consumers'
// kernels, read in place, or not needed).
struct nothing {};
} // namespace kernels

// The planned_node types of a schedule Plan over Nodes. Built from each node's own
// type, which holds its operands' types, with the operands' ids from the graph's
// tables: looking a node's type up by its id (meta::at) costs GCC a pass over the
// whole list, and doing so for every node made the executor's compile time grow with
// the square of the graph (issue 15).
template <class Nodes, const auto& Plan>
struct planned {
    using tables = graph<Nodes>;

    // Node J, of type N, as its consumer reads it: a buffer or bound value is a leaf;
    // a fused node or a transpose read in place carries its operands.
    template <class N, std::size_t J, class = std::make_index_sequence<tables::arity[J]>>
    struct read;
    template <class N, std::size_t J, std::size_t... K>
    struct read<N, J, std::index_sequence<K...>> {
        using sig = typename signature_of<N>::type;
        // (A condition, not a static member: GCC would mangle a member's name, which
        // spells the whole node list, once per node.)
        using type = std::conditional_t<is_symbol<N>::value || is_literal<N>::value || (Plan.materialized[J] && !Plan.transposed_read[J]),
                                        planned_node<sig, J, Plan.kind[J], Plan.materialized[J], false>,
                                        planned_node<sig, J, Plan.kind[J], false, Plan.transposed_read[J],
                                                     typename read<typename detail::operand_or_none<N, K>::type, tables::operands[J][K]>::type...>>;
    };

    // Node I, of type N, as it is computed into its buffer: with every operand as it is
    // read (an operand read for its shape only, as a leaf).
    template <class N, std::size_t I, class = std::make_index_sequence<tables::arity[I]>>
    struct computed;
    template <class N, std::size_t I, std::size_t... K>
    struct computed<N, I, std::index_sequence<K...>> {
        template <class A, std::size_t J, bool Value>
        using operand = std::conditional_t<Value, typename read<A, J>::type,
                                           planned_node<typename signature_of<A>::type, J, Plan.kind[J], false, false>>;
        using type = planned_node<typename signature_of<N>::type, I, Plan.kind[I], true, false,
                                  operand<typename detail::operand_or_none<N, K>::type, tables::operands[I][K], tables::reads_value[I][K]>...>;
    };

    // computed<N, I> if node I has a buffer, else nothing to run.
    template <class N, std::size_t I>
    using computed_if = std::conditional_t<Plan.materialized[I], computed<N, I>, std::type_identity<kernels::nothing>>;
};

} // namespace typegrad
