// SPDX-License-Identifier: MIT
// The names formula(...) gives a derived gradient's shared nodes, read from the
// graph tables of the forward and the backward graph:
//   - the user's symbols and labels are taken, and nothing else is ever given them;
//   - δ for the adjoint of a layer, numbered after the layer's label (the adjoint of
//     z3, the input of a3, is δ3); where two layers share a number (z1 and h1), or
//     δ3 is a user's own name, the whole label: δz1, δh1;
//   - t1, t2, ... for other shared nodes, skipping names in use;
//   - f for an unnamed function, unless the user named something f (then g, h, F).
#pragma once

#include <algorithm>
#include <array>
#include <cctype>
#include <cstddef>
#include <string>
#include <vector>

#include <typegrad/ad/grad.hpp>
#include <typegrad/ops/broadcast.hpp>
#include <typegrad/ops/matmul.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/print/printer.hpp>

namespace typegrad::detail {

// The digits a label ends with ("a3" → "3"), or "" if none.
inline std::string layer_digits(std::string_view label) {
    std::size_t i = label.size();
    while (i > 0 && std::isdigit(static_cast<unsigned char>(label[i - 1]))) --i;
    return std::string(label.substr(i));
}

template <class N>
constexpr bool transpose_of_symbol_v = false;
template <class L, class A>
constexpr bool transpose_of_symbol_v<expr<transpose_op, L, A>> = is_symbol<A>::value;

// A shared node not worth a name of its own: it prints short anyway.
template <class N>
constexpr bool prints_short_v = is_symbol<N>::value || is_literal<N>::value || has_label<N>::value ||
                                       is_op<N, count_op<count::cols>>::value || is_op<N, expand_op>::value || transpose_of_symbol_v<N>;

// The forward graph of F, the backward graph of ∂F/∂Wrt..., and how they meet.
template <class F, class... Wrt>
struct gradient_graph {
    using forward = derivation<F>;
    using forward_tables = typename forward::tables;
    // Backward nodes in the order a reader wants them: the last layer first.
    using order = topological_order_of<meta::reverse_t<meta::type_list<typename forward::template adjoint_of<Wrt>...>>>;
    using tables = graph<order>;
    static constexpr std::size_t size = tables::size;

    static constexpr std::array<std::size_t, sizeof...(Wrt)> output_ids = {
        meta::index_in<order, typename forward::template adjoint_of<Wrt>>::value...};

    // depends[j]: forward node j reads a symbol of Wrt, so it has an adjoint.
    static constexpr auto depends = [] {
        std::array<bool, forward_tables::size> d{};
        ((d[forward_tables::template id_of<Wrt>::value] = meta::contains<typename forward::order, Wrt>::value), ...);
        for (std::size_t i = 0; i < forward_tables::size; ++i)
            for (std::size_t k = 0; k < forward_tables::arity[i]; ++k)
                if (forward_tables::reads_value[i][k] && d[forward_tables::operands[i][k]]) d[i] = true;
        return d;
    }();

    template <std::size_t J>
    static constexpr std::size_t adjoint_id() {
        if constexpr (!depends[J]) return no_node;
        else return meta::find<order, typename forward::template adjoint_at<J>::type>();
    }
    // adjoint[j]: the backward node that is ∂F/∂(forward node j), or no_node.
    static constexpr auto adjoint = []<std::size_t... J>(std::index_sequence<J...>) {
        return std::array<std::size_t, forward_tables::size>{adjoint_id<J>()...};
    }(std::make_index_sequence<forward_tables::size>{});

    static constexpr auto prints_short = []<class... N>(meta::type_list<N...>) {
        return std::array<bool, size>{prints_short_v<N>...};
    }(order{});

    // A backward node that is also a forward value (exp(t) in ∂/∂s of cos(s) ⊙ exp(t))
    // is not named as anyone's adjoint.
    static constexpr auto in_forward = []<class... N>(meta::type_list<N...>) {
        return std::array<bool, size>{meta::contains<typename forward::order, N>::value...};
    }(order{});

    // Uses of each backward node, an output counting as one.
    static constexpr auto uses = [] {
        auto u = tables::uses;
        for (std::size_t o : output_ids) ++u[o];
        return u;
    }();
};

// Names every shared, non-trivial backward node in p; returns which got a name.
template <class F, class... Wrt>
std::vector<bool> name_backward_nodes(printer<typename gradient_graph<F, Wrt...>::order>& p) {
    using g = gradient_graph<F, Wrt...>;
    using fwd = typename g::forward_tables;
    using bwd = typename g::tables;

    // The user's names, and δ with each layer's number (a numbered δ that is not a
    // layer's must not read as one).
    std::vector<std::string> taken, layer_deltas;
    for (std::size_t j = 0; j < fwd::size; ++j) taken.emplace_back(fwd::name[j]);
    for (std::size_t j = 0; j < fwd::size; ++j)
        if (fwd::is_labelled(j) && !layer_digits(fwd::name[j]).empty()) layer_deltas.push_back("δ" + layer_digits(fwd::name[j]));
    for (std::size_t i = 0; i < bwd::size; ++i) taken.emplace_back(bwd::name[i]);
    auto is_taken = [&](const std::string& n) { return std::find(taken.begin(), taken.end(), n) != taken.end(); };

    // The layer each adjoint belongs to: its node's label, or a labelled consumer's.
    std::vector<std::string> layer(g::size), digits(g::size);
    for (std::size_t j = 0; j < fwd::size; ++j) {
        const std::size_t a = g::adjoint[j];
        if (a == no_node || bwd::kind[a] == node_kind::symbol || bwd::kind[a] == node_kind::literal || g::in_forward[a]) continue;
        std::string label(fwd::is_labelled(j) ? fwd::name[j] : std::string_view{});
        std::string tag = layer_digits(label);
        if (label.empty())
            for (std::size_t e = fwd::consumers.first[j]; e < fwd::consumers.first[j + 1] && label.empty(); ++e) {
                const std::size_t c = fwd::consumers.edges[e].consumer;
                if (fwd::is_labelled(c) && !layer_digits(fwd::name[c]).empty()) {
                    label = std::string(fwd::name[c]);
                    tag = layer_digits(label);
                }
            }
        layer[a] = label.empty() ? "?" : label;
        digits[a] = tag;
    }

    std::vector<bool> named(g::size);
    for (std::size_t i = 0; i < g::size; ++i) named[i] = g::uses[i] >= 2 && !g::prints_short[i];
    auto shared_digits = [&](std::size_t i) {
        for (std::size_t k = 0; k < g::size; ++k)
            if (k != i && named[k] && digits[k] == digits[i] && layer[k] != layer[i]) return true;
        return false;
    };
    // Layers' δs first, so a numbered δ or t never takes a name a layer needs.
    int temporaries = 0, deltas = 0;
    auto assign = [&](std::size_t i) {
        std::string name;
        if (layer[i] == "?") { // the adjoint of an unnamed node
            do name = "δ" + std::to_string(++deltas);
            while (is_taken(name) || std::find(layer_deltas.begin(), layer_deltas.end(), name) != layer_deltas.end());
        } else if (!layer[i].empty()) {
            name = !digits[i].empty() && !shared_digits(i) ? "δ" + digits[i] : "δ" + layer[i];
            if (is_taken(name)) name = "δ(" + layer[i] + ")";
        } else {
            do name = "t" + std::to_string(++temporaries); while (is_taken(name));
        }
        taken.push_back(name);
        p.give_name(i, name);
    };
    for (std::size_t i = 0; i < g::size; ++i)
        if (named[i] && !layer[i].empty() && layer[i] != "?") assign(i);
    for (std::size_t i = 0; i < g::size; ++i)
        if (named[i] && (layer[i].empty() || layer[i] == "?")) assign(i);
    return named;
}

// The name a formula uses for F: its label, or f (g, h, F) if the user did not name it.
template <class F>
std::string function_name() {
    using tables = graph<topological_order<F>>;
    if constexpr (has_label<F>::value) return std::string(F::label_type::name.view());
    for (const char* candidate : {"f", "g", "h", "F", "ℓ"}) {
        bool free = true;
        for (std::size_t j = 0; j < tables::size; ++j) free = free && tables::name[j] != candidate;
        if (free) return candidate;
    }
    return "f₀";
}

} // namespace typegrad::detail
