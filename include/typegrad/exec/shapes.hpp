// SPDX-License-Identifier: MIT
// Shape inference at run time: every node's shape from the bound values' shapes,
// checked against the declared dimensions and each op's shape rule. The result
// stays valid while the bound shapes stay the same, so a training loop pays for it
// once. A mismatch throws shape_error naming the op, the expression with its
// symbols, and the shapes.
#pragma once

#include <array>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>

#include <typegrad/expr/graph.hpp>
#include <typegrad/expr/shape.hpp>
#include <typegrad/print/graph_text.hpp>

namespace typegrad {

// A run-time shape mismatch: the message names the op, the expression with its
// symbols, and the shapes.
struct shape_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// The shapes of every node of Nodes (a topological order).
template <class Nodes>
class shapes {
    using tables = graph<Nodes>;
    template <std::size_t I>
    using node = typename tables::template node<I>;
    using all = std::make_index_sequence<tables::size>;

  public:
    shape2 operator[](std::size_t i) const { return shapes_[i]; }

    // True when the last inference holds for these values: same bound shapes.
    template <class Values>
    bool hold_for(const Values& values) const {
        return valid_ && [&]<std::size_t... I>(std::index_sequence<I...>) {
            return (same_bound_shape<I>(values) && ...);
        }(all{});
    }

    // Infers every node's shape; throws shape_error on a mismatch.
    template <class Values>
    void infer(const Values& values) {
        valid_ = false;
        [&]<std::size_t... I>(std::index_sequence<I...>) { (infer_node<I>(values), ...); }(all{});
        valid_ = true;
    }

  private:
    template <std::size_t I, class Values>
    bool same_bound_shape(const Values& values) const {
        if constexpr (is_symbol_v<node<I>>) {
            const auto& v = values.template get<node<I>::name>();
            return v.shape(0) == shapes_[I].rows && v.shape(1) == shapes_[I].cols;
        } else {
            return true;
        }
    }

    template <std::size_t I, class Values>
    void infer_node(const Values& values) {
        using N = node<I>;
        shape2& out = shapes_[I];
        if constexpr (is_symbol_v<N>) {
            const auto& v = values.template get<N::name>();
            out = {v.shape(0), v.shape(1)};
            if ((N::rows != dyn && std::size_t(N::rows) != out.rows) || (N::cols != dyn && std::size_t(N::cols) != out.cols))
                bound_mismatch(N::name.view(), out, N::rows, N::cols);
        } else if constexpr (is_literal_v<N>) {
            out = {1, 1};
        } else {
            [&]<class... A>(meta::type_list<A...>) {
                const std::array<shape2, sizeof...(A)> in = {shapes_[tables::template id<A>]...};
                if (!N::op::template shape<A...>(out, in)) op_mismatch(N::op::name, I, in.data(), in.size());
            }(operands_t<N>{});
        }
    }

    // Out of line and independent of the node's type: the messages are built from
    // the graph's tables, so no printer is compiled per node.
    [[noreturn]] static void bound_mismatch(std::string_view name, shape2 bound, dim rows, dim cols) {
        auto d = [](dim x) { return x == dyn ? std::string("?") : std::to_string(x); };
        throw shape_error("typegrad: the value bound to " + std::string(name) + " is " + to_string(bound) + " but " +
                          std::string(name) + " is declared " + d(rows) + "×" + d(cols));
    }

    [[noreturn]] static void op_mismatch(std::string_view op, std::size_t i, const shape2* in, std::size_t n) {
        using text = graph_text<Nodes>;
        std::string operands, shapes;
        for (std::size_t k = 0; k < n; ++k) {
            operands += (k ? ", " : "") + text::text(tables::operands[i][k]);
            shapes += (k ? " and " : "") + to_string(in[k]);
        }
        throw shape_error("typegrad: shape mismatch in " + std::string(op) + ": " + text::text(i) + " has operands " +
                          operands + " of shapes " + shapes + " (symbols involved: " + text::symbols(i) +
                          "; a dimension broadcasts only where it is declared 1, e.g. col<\"b\"> for a bias)");
    }

    bool valid_ = false;
    std::array<shape2, tables::size> shapes_{};
};

} // namespace typegrad
