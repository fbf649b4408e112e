// SPDX-License-Identifier: MIT
// formula(...) and latex(...): the derived gradient as the equations one would
// write by hand. Shared subexpressions get names — the user's labels first, then
// δ for the adjoint of a layer (numbered after the layer's label: the adjoint of
// z3, the input of a3, is δ3) — and the network itself is listed after "where".
#pragma once

#include <algorithm>
#include <cctype>
#include <string>
#include <vector>

#include <typegrad/ad/grad.hpp>
#include <typegrad/ops/matmul.hpp>
#include <typegrad/print/expression.hpp>
#include <typegrad/print/graph_text.hpp>

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

// The digits a label ends with ("a3" → "3"), or "" if none.
inline std::string layer_digits(std::string_view label) {
    std::size_t i = label.size();
    while (i > 0 && std::isdigit(static_cast<unsigned char>(label[i - 1]))) --i;
    return std::string(label.substr(i));
}

// The digits a label ends with, or the whole label if none.
inline std::string layer_tag(std::string_view label) {
    std::string digits = layer_digits(label);
    return digits.empty() ? std::string(label) : digits;
}

template <class N>
inline constexpr bool transpose_of_symbol_v = false;
template <class L, class A>
inline constexpr bool transpose_of_symbol_v<expr<transpose_op, L, A>> = is_symbol_v<A>;

template <class Nodes>
struct cols_notes {
    // "m = number of columns of y (the batch size)" for every cols(·) node.
    static void add(std::vector<formula_line>& where, style s) {
        [&]<class... N>(meta::type_list<N...>) {
            auto one = [&]<class M>(M) {
                if constexpr (is_op_v<M, count_op<count::cols>>) {
                    using A = meta::at<operands_t<M>, 0>;
                    where.push_back({"m", (s == style::latex ? "\\text{number of columns of } " : "number of columns of ") +
                                              to_text(A{}) + (s == style::latex ? "\\text{ (the batch size)}" : " (the batch size)")});
                }
            };
            (one(N{}), ...);
        }(Nodes{});
    }
};

// "J = ..." and every labelled node of f, operands first.
template <class F>
void forward_definitions(std::vector<formula_line>& where, style s, bool include_root) {
    using nodes = topological_order<F>;
    expression_printer<nodes> p(s);
    name_labels(p);
    [&]<class... N>(meta::type_list<N...>) {
        auto one = [&]<class M>(M m) {
            const bool is_root = std::is_same_v<M, F>;
            if constexpr (has_label_v<M>) {
                if (!is_root || include_root) where.push_back({p(m).text, p.expand(m).text});
            } else if (is_root && include_root) {
                where.push_back({s == style::latex ? "f" : "f", p.expand(m).text});
            }
        };
        (one(N{}), ...);
    }(nodes{});
}

// A node of Nodes, by its id, as the printer shows it.
template <class Nodes, class... N>
std::string print_by_id(const expression_printer<Nodes>& p, std::size_t id, meta::type_list<N...>) {
    std::string out;
    std::size_t i = 0;
    ((i++ == id ? void(out = p(N{}).text) : void()), ...);
    return out;
}

template <class F>
std::string function_name() {
    if constexpr (has_label_v<F>) return std::string(F::label_type::name.view());
    else return "f";
}

template <class... N>
struct reversed;
template <>
struct reversed<> {
    using type = meta::type_list<>;
};
template <class H, class... T>
struct reversed<H, T...> {
    using type = meta::concat_t<typename reversed<T...>::type, meta::type_list<H>>;
};

template <class List>
struct order_of_list;
template <class... N>
struct order_of_list<meta::type_list<N...>> {
    using type = topological_order<N...>;
};

// Backward nodes in the order a reader wants them: the last layer first.
template <class F, class... Wrt>
using formula_order = typename order_of_list<
    typename reversed<decltype(derivation<F>::template adjoint_of<Wrt>())...>::type>::type;

// Names every shared, non-trivial backward node in p (δ after the layer it is the
// adjoint of, else t1, t2, ...) and returns which nodes got a name.
template <class F, class... Wrt>
std::vector<bool> name_backward_nodes(expression_printer<formula_order<F, Wrt...>>& p) {
    using order = formula_order<F, Wrt...>;
    using tables = graph<order>;
    constexpr std::size_t n = tables::size;
    name_labels(p);

    // Which forward node each backward node is the adjoint of (the one nearest f).
    using fwd = derivation<F>;
    using fwd_tables = typename fwd::tables;
    constexpr auto depends = [] {
        std::array<bool, fwd_tables::size> d{};
        [&]<class... N>(meta::type_list<N...>) {
            std::size_t i = 0;
            ((d[i] = meta::contains_v<meta::type_list<Wrt...>, N>, ++i), ...);
        }(typename fwd::order{});
        for (std::size_t i = 0; i < fwd_tables::size; ++i)
            for (std::size_t k = 0; k < fwd_tables::arity[i]; ++k)
                if (fwd_tables::reads_value[i][k] && d[fwd_tables::operands[i][k]]) d[i] = true;
        return d;
    }();
    std::vector<std::string> delta_tag(n);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        auto one = [&]<std::size_t J>(std::integral_constant<std::size_t, J>) {
            if constexpr (depends[J]) {
                using A = decltype(fwd::template adjoint<J>());
                if constexpr (meta::contains_v<order, A> && !is_symbol_v<A> && !is_literal_v<A>) {
                    using N = typename fwd::template node<J>;
                    std::string tag;
                    if constexpr (has_label_v<N>) tag = layer_tag(N::label_type::name.view());
                    // else the layer number of a labelled consumer: z3 feeds a3, so ∂J/∂z3 is δ3
                    for (std::size_t e = fwd_tables::consumers.first[J]; tag.empty() && e < fwd_tables::consumers.first[J + 1]; ++e) {
                        const std::size_t c = fwd_tables::consumers.edges[e].consumer;
                        [&]<std::size_t... C>(std::index_sequence<C...>) {
                            auto label_of = [&]<std::size_t K>(std::integral_constant<std::size_t, K>) {
                                using M = typename fwd::template node<K>;
                                if constexpr (has_label_v<M>)
                                    if (K == c) tag = layer_digits(M::label_type::name.view());
                            };
                            (label_of(std::integral_constant<std::size_t, C>{}), ...);
                        }(std::make_index_sequence<fwd_tables::size>{});
                    }
                    delta_tag[tables::template id<A>] = tag.empty() ? "?" : tag;
                }
            }
        };
        (one(std::integral_constant<std::size_t, I>{}), ...);
    }(std::make_index_sequence<fwd_tables::size>{});

    // Name every shared, non-trivial backward node.
    constexpr auto uses = [] {
        std::array<std::size_t, n> u{};
        for (std::size_t j = 0; j < n; ++j)
            for (std::size_t k = 0; k < tables::arity[j]; ++k)
                if (tables::reads_value[j][k]) ++u[tables::operands[j][k]];
        ((++u[meta::index_of<order, decltype(derivation<F>::template adjoint_of<Wrt>())>]), ...);
        return u;
    }();
    constexpr auto trivial = []<class... N>(meta::type_list<N...>) {
        return std::array<bool, n>{(is_symbol_v<N> || is_literal_v<N> || has_label_v<N> ||
                                    is_op_v<N, count_op<count::cols>> || is_op_v<N, expand_op> ||
                                    transpose_of_symbol_v<N>)...};
    }(order{});
    std::vector<bool> defined(n);
    int deltas = 0, temporaries = 0;
    std::vector<std::string> used_names;
    for (std::size_t i = 0; i < n; ++i) {
        if (uses[i] < 2 || trivial[i]) continue;
        std::string name = !delta_tag[i].empty() && delta_tag[i] != "?" ? "δ" + delta_tag[i]
                         : !delta_tag[i].empty() ? "δ" + std::to_string(++deltas) : "t" + std::to_string(++temporaries);
        while (std::find(used_names.begin(), used_names.end(), name) != used_names.end()) name += "′";
        used_names.push_back(name);
        p.set_name(i, name);
        defined[i] = true;
    }

    return defined;
}

// Node i of Order (a gradient program's graph) as formula(grad(F, Wrt...)) shows it,
// with the pass that computes it: "δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 − a2) in the backward pass".
// For anomaly reports; compiled only for programs that detect anomalies.
template <class Order, class F, class... Wrt>
std::string describe_gradient_node(std::size_t i) {
    using forward = topological_order<F>;
    using backward = formula_order<F, Wrt...>;
    std::string out;
    [&]<class... N>(meta::type_list<N...>) {
        std::size_t k = 0;
        auto one = [&]<class M>(M m) {
            if (k++ != i) return;
            if constexpr (meta::contains_v<forward, M>) {
                expression_printer<forward> p(style::text);
                name_labels(p);
                out = has_label_v<M> ? p(m).text + " = " + p.expand(m).text : p.expand(m).text;
                out += " in the forward pass";
            } else if constexpr (meta::contains_v<backward, M>) {
                expression_printer<backward> p(style::text);
                name_backward_nodes<F, Wrt...>(p);
                const std::string name = p(m).text, full = p.expand(m).text;
                out = (name == full ? full : name + " = " + full) + " in the backward pass";
            } else {
                out = to_text(m);
            }
        };
        (one(N{}), ...);
    }(Order{});
    return out;
}

} // namespace detail

// The derived gradient, one equation per line.
template <class F, class... Wrt>
std::string formula(gradient<F, Wrt...>, style s = style::text) {
    using order = detail::formula_order<F, Wrt...>;
    using tables = graph<order>;
    constexpr std::size_t n = tables::size;
    expression_printer<order> p(s);
    const std::vector<bool> defined = detail::name_backward_nodes<F, Wrt...>(p);

    // Lines in backward order: each definition before its first use.
    const std::string fname = detail::function_name<F>();
    auto partial = [&](const std::string& x) {
        if (s == style::latex) return "\\frac{\\partial " + detail::latex_name(fname) + "}{\\partial " + detail::latex_name(x) + "}";
        return "∂" + fname + "/∂" + x;
    };
    // Each ∂f/∂x line comes right after the last definition it uses, in the
    // order the symbols were given to grad.
    constexpr std::array<std::size_t, sizeof...(Wrt)> output_ids = {
        meta::index_of<order, decltype(derivation<F>::template adjoint_of<Wrt>())>...};
    const std::array<std::string, sizeof...(Wrt)> output_titles = {partial(to_text(Wrt{}))...};
    std::vector<std::vector<std::size_t>> uses_named(output_ids.size());
    for (std::size_t o = 0; o < output_ids.size(); ++o) {
        std::vector<std::size_t> stack = {output_ids[o]};
        std::vector<bool> seen(n);
        while (!stack.empty()) {
            const std::size_t i = stack.back();
            stack.pop_back();
            if (seen[i]) continue;
            seen[i] = true;
            if (defined[i]) { uses_named[o].push_back(i); continue; }
            for (std::size_t k = 0; k < tables::arity[i]; ++k)
                if (tables::reads_value[i][k]) stack.push_back(tables::operands[i][k]);
        }
    }
    std::vector<detail::formula_line> lines;
    std::vector<bool> emitted(n), written(output_ids.size());
    auto flush_ready = [&] {
        for (std::size_t o = 0; o < output_ids.size(); ++o) {
            if (written[o]) continue;
            bool ready = true;
            for (std::size_t d : uses_named[o]) ready = ready && emitted[d];
            if (!ready) continue;
            written[o] = true;
            lines.push_back({output_titles[o], detail::print_by_id(p, output_ids[o], order{})});
        }
    };
    [&]<class... N>(meta::type_list<N...>) {
        auto one = [&]<class M>(M m) {
            constexpr std::size_t i = tables::template id<M>;
            if (!defined[i]) return;
            lines.push_back({p(m).text, p.expand(m).text});
            emitted[i] = true;
            flush_ready();
        };
        (one(N{}), ...);
    }(order{});
    flush_ready();

    std::vector<detail::formula_line> where;
    detail::forward_definitions<F>(where, s, true);
    detail::cols_notes<topological_order<F, decltype(derivation<F>::template adjoint_of<Wrt>())...>>::add(where, s);
    return detail::render_lines(lines, where, s);
}

// A forward expression: its labelled intermediates and the whole.
template <node E>
std::string formula(E, style s = style::text) {
    std::vector<detail::formula_line> lines;
    detail::forward_definitions<E>(lines, s, true);
    std::vector<detail::formula_line> where;
    detail::cols_notes<topological_order<E>>::add(where, s);
    return detail::render_lines(lines, where, s);
}

template <class G>
std::string latex(G g) {
    return formula(g, style::latex);
}

} // namespace typegrad
