// SPDX-License-Identifier: MIT
// The schedule: for a fixed set of outputs, which nodes are computed at all and
// which get a buffer (materialised) rather than being fused into their consumer's
// loop. It is a constexpr value, decided from the graph's tables and each op's
// declared kind alone, so a test can static_assert on it:
//
//   constexpr auto& s = tg::schedule_of<tg::topological_order<F>, F>;
//   static_assert(!s.materialized[tg::graph<...>::id<Z>]);
//
// A node is materialised when it is an output, is read by more than one consumer,
// is not elementwise (matrix products, reductions, softmax, losses), or feeds an
// op that needs a buffer under it (matmul, transpose, reductions) — except that a
// view that swaps axes (a transpose) read by a matrix product is a BLAS flag and
// needs no buffer of its own: its operand does. A view that reshapes (the conv
// layout ops) and must have a buffer takes over its operand's when nothing else
// reads that one: relabelled, not copied. A patch matrix whose every reader is a
// small product (K · patches(x), D · patches(x)ᵀ with few output channels) gets no
// buffer at all: those products read the images in place (patch_products.hpp).
#pragma once

#include <array>
#include <cstddef>

#include <typegrad/exec/patch_products.hpp>
#include <typegrad/exec/signature.hpp>
#include <typegrad/expr/graph.hpp>
#include <typegrad/ops/op_base.hpp>

namespace typegrad {

// What an op declares about itself; op_defaults supplies the usual answers. Its
// kind (elementwise, gemm, compute, or a view) is the graph's table.
template <class N>
constexpr bool wants_operand_buffers() {
    if constexpr (requires { N::op::materialize_operands; }) return N::op::materialize_operands;
    else return false;
}

// A view that reads its operand with rows and columns swapped (Aᵀ).
template <class N>
constexpr bool swaps_axes() {
    if constexpr (requires { requires N::op::swaps_axes; }) return true;
    else return false;
}

// A view that reads its operand's values in memory order under a shape of its own
// (a row-major reshape: Cout × (P·B) read as (Cout·P) × B).
template <class N>
constexpr bool reshapes() {
    if constexpr (requires { requires N::op::reshapes; }) return true;
    else return false;
}

// An operand that a matrix product can read without a buffer of its own, the
// product running from the operand's operand (patches(x): from x).
template <class N>
constexpr bool read_in_place_by_products() {
    if constexpr (requires { requires N::op::read_by_products; }) return true;
    else return false;
}

template <std::size_t Size>
struct schedule {
    std::array<node_kind, Size> kind{};
    std::array<bool, Size> output{};
    std::array<bool, Size> needed{};       // read by an output, directly or through other nodes
    std::array<bool, Size> materialized{}; // owns a buffer
    // A transpose without a buffer: its consumers read its operand with the axes swapped
    // (a matrix product as a BLAS flag, a fused loop by strided reads).
    std::array<bool, Size> transposed_read{};
    // A reshape with a buffer that takes its operand's over (swapped, both relabelled):
    // the operand is computed into a buffer that only this view reads.
    std::array<bool, Size> takes_operand_buffer{};
    // Read in place by every reader, all small products (read_in_place_by_products).
    std::array<bool, Size> read_in_place{};
};

namespace detail {

// What the schedule asks of each node's signature: the answers depend on the op
// alone, and a function of the node itself would be named after its subgraph
// (signature.hpp).
template <std::size_t Size>
struct signature_facts {
    std::array<bool, Size> wants_buffers, swaps, reshaping, by_products;
    std::array<dim, Size> rows;
};
template <class... Ns>
constexpr signature_facts<sizeof...(Ns)> signature_facts_of(meta::type_list<Ns...>) {
    return {{wants_operand_buffers<typename signature_of<Ns>::type>()...},
            {swaps_axes<typename signature_of<Ns>::type>()...},
            {reshapes<typename signature_of<Ns>::type>()...},
            {read_in_place_by_products<typename signature_of<Ns>::type>()...},
            {Ns::rows...}};
}

// Nodes is the node list as one type: the outputs' ids are looked up in it once per
// output, and a pattern that spelled it as type_list<Ns...> would expand it again for
// each (see graph.hpp).
template <class Nodes, class... Outputs>
constexpr auto make_schedule() {
    using tables = graph<Nodes>;
    constexpr std::size_t size = tables::size;
    constexpr auto facts = signature_facts_of(Nodes{});
    const auto &wants_buffers = facts.wants_buffers, &swaps = facts.swaps, &reshaping = facts.reshaping,
               &by_products = facts.by_products;
    const auto& rows = facts.rows;

    schedule<size> s{tables::kind};
    std::array<std::size_t, size> uses{};
    ((s.output[tables::template id_of<Outputs>::value] = true), ...);
    for (std::size_t i = size; i-- > 0;) {
        if (s.output[i]) s.needed[i] = true;
        if (!s.needed[i]) continue;
        for (std::size_t k = 0; k < tables::arity[i]; ++k)
            if (tables::reads_value[i][k]) s.needed[tables::operands[i][k]] = true;
    }
    // Each needed reader (consumer, position) of node i.
    auto for_each_reader = [&](std::size_t i, auto f) {
        for (std::size_t e = tables::consumers.first[i]; e < tables::consumers.first[i + 1]; ++e)
            if (const auto [j, k] = tables::consumers.edges[e]; s.needed[j] && tables::reads_value[j][k]) f(j, k);
    };
    // Product j reads operand 1 in place: A · P with A read as it is and few rows.
    auto small_product = [&](std::size_t j, std::size_t k) {
        return s.kind[j] == node_kind::gemm && k == 1 && !swaps[tables::operands[j][0]] && rows[j] != dyn &&
               rows[j] <= patch_products::max_channels;
    };
    for (std::size_t i = 0; i < size; ++i) {
        if (!s.needed[i] || !by_products[i] || s.output[i]) continue;
        bool in_place = true;
        for_each_reader(i, [&](std::size_t j, std::size_t k) {
            if (small_product(j, k)) return;
            // Pᵀ, read once, by a product D · Pᵀ
            std::size_t reads = 0;
            if (swaps[j] && !s.output[j])
                for_each_reader(j, [&](std::size_t l, std::size_t m) { reads += 1 + !small_product(l, m); });
            in_place = in_place && reads == 1;
        });
        s.read_in_place[i] = in_place;
    }
    for (std::size_t i = 0; i < size; ++i) {
        if (!s.needed[i]) continue;
        if (s.read_in_place[i]) continue; // no buffer: its readers run from its operand
        if (s.kind[i] == node_kind::symbol) { // read in place; copied only when it is itself an output
            s.materialized[i] = s.output[i];
            continue;
        }
        std::size_t& reads = uses[i];
        reads = s.output[i] ? 1 : 0;
        bool buffer_wanted = s.output[i];
        for_each_reader(i, [&](std::size_t j, std::size_t) {
            ++reads;
            if (wants_buffers[j] && !(s.kind[j] == node_kind::gemm && swaps[i])) buffer_wanted = true;
        });
        if (s.kind[i] == node_kind::literal) s.materialized[i] = buffer_wanted;
        else s.materialized[i] = buffer_wanted || reads > 1 || (s.kind[i] != node_kind::elementwise && s.kind[i] != node_kind::view);
        s.transposed_read[i] = swaps[i] && !s.materialized[i];
    }
    for (std::size_t i = 0; i < size; ++i) {
        if (!s.needed[i] || !reshaping[i] || !s.materialized[i]) continue;
        const std::size_t a = tables::operands[i][0];
        s.takes_operand_buffer[i] = s.materialized[a] && s.kind[a] != node_kind::symbol && s.kind[a] != node_kind::literal && !s.output[a] && uses[a] == 1;
    }
    return s;
}

} // namespace detail

// The schedule of Outputs... over Nodes (a topological order that holds them).
template <class Nodes, class... Outputs>
inline constexpr auto schedule_of = detail::make_schedule<Nodes, Outputs...>();

} // namespace typegrad
