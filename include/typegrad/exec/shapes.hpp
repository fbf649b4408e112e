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

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/signature.hpp>
#include <typegrad/expr/graph.hpp>
#include <typegrad/expr/shape.hpp>
#include <typegrad/print/graph_text.hpp>

namespace typegrad {

// A run-time shape mismatch: the message names the op, the expression with its
// symbols, and the shapes.
struct shape_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

namespace detail {

// One node's part of shape inference. These are free functions of the node's own
// type, not members of shapes<Nodes>: a member's symbol spells the whole node list,
// and GCC's mangler is quadratic in a name's length, so one member per node made
// the executor's compile time grow with the square of the graph (issue 15).
[[noreturn]] void throw_bound_mismatch(std::string_view name, shape2 bound, dim rows, dim cols);

// True unless N is a symbol whose bound value v's shape is no longer `inferred`.
template <class N, class T>
bool same_bound_shape(const xt::xtensor<T, 2>* v, shape2 inferred) {
    if constexpr (is_symbol<N>::value) return v->shape(0) == inferred.rows && v->shape(1) == inferred.cols;
    else return true;
}

// The shape of node N (its shape_signature_of): from its bound value v (a symbol) or
// from its operands' shapes, shapes[operand[k]] (an op). False when the op's shape
// rule refuses them.
template <class N, class T>
bool infer_shape(shape2& out, const shape2* shapes, const std::size_t* operand, const xt::xtensor<T, 2>* v) {
    if constexpr (is_symbol<N>::value) {
        out = {v->shape(0), v->shape(1)};
        if ((N::rows != dyn && std::size_t(N::rows) != out.rows) || (N::cols != dyn && std::size_t(N::cols) != out.cols))
            throw_bound_mismatch(N::name.view(), out, N::rows, N::cols);
        return true;
    } else if constexpr (is_literal<N>::value) {
        out = {1, 1};
        return true;
    } else {
        return [&]<std::size_t... K>(std::index_sequence<K...>) {
            return N::op::template shape<meta::at<typename N::operands, K>...>(
                out, std::array<shape2, sizeof...(K)>{shapes[operand[K]]...});
        }(std::make_index_sequence<N::arity>{});
    }
}

template <class N>
constexpr std::string_view op_name_of() {
    if constexpr (requires { N::op::name; }) return N::op::name;
    else return {};
}

inline void throw_bound_mismatch(std::string_view name, shape2 bound, dim rows, dim cols) {
    auto d = [](dim x) { return x == dyn ? std::string("?") : std::to_string(x); };
    throw shape_error("typegrad: the value bound to " + std::string(name) + " is " + to_string(bound) + " but " +
                      std::string(name) + " is declared " + d(rows) + "×" + d(cols));
}

} // namespace detail

// The shapes of every node of Nodes (a topological order).
template <class Nodes>
class shapes {
    using tables = graph<Nodes>;
    using all = std::make_index_sequence<tables::size>;
    // Each fold below walks the node list itself, types and ids side by side: looking a
    // node's type up by its id would cost a pass over the list per node (planned.hpp).

  public:
    shape2 operator[](std::size_t i) const { return shapes_[i]; }
    const shape2* data() const { return shapes_.data(); }

    // True when the last inference holds for these bound values (bound[i]: the value of
    // symbol node i): same bound shapes.
    template <class T>
    bool hold_for(const xt::xtensor<T, 2>* const* bound) const {
        return valid_ && [&]<class... N, std::size_t... I>(meta::type_list<N...>, std::index_sequence<I...>) {
            return (detail::same_bound_shape<typename signature_of<N>::type>(bound[I], shapes_[I]) && ...);
        }(Nodes{}, all{});
    }

    // Infers every node's shape; throws shape_error on a mismatch.
    template <class T>
    void infer(const xt::xtensor<T, 2>* const* bound) {
        valid_ = false;
        [&]<class... N, std::size_t... I>(meta::type_list<N...>, std::index_sequence<I...>) {
            ((detail::infer_shape<typename shape_signature_of<N>::type>(shapes_[I], shapes_.data(), tables::operands[I].data(), bound[I]) || op_mismatch(I)), ...);
        }(Nodes{}, all{});
        valid_ = true;
    }

  private:
    // Out of line and independent of the node's type: the message is built from the
    // graph's tables, so no printer is compiled per node.
    [[noreturn]] bool op_mismatch(std::size_t i) const {
        using text = graph_text<Nodes>;
        std::string operands, shapes;
        for (std::size_t k = 0; k < tables::arity[i]; ++k) {
            operands += (k ? ", " : "") + text::text(tables::operands[i][k]);
            shapes += (k ? " and " : "") + to_string(shapes_[tables::operands[i][k]]);
        }
        throw shape_error("typegrad: shape mismatch in " + std::string(op_name(i)) + ": " + text::text(i) +
                          " has operands " + operands + " of shapes " + shapes + " (symbols involved: " +
                          text::symbols(i) + "; a dimension broadcasts only where it is declared 1, e.g. col<\"b\"> for a bias)");
    }

    static std::string_view op_name(std::size_t i) {
        static constexpr std::array<std::string_view, tables::size> names = [] {
            return []<class... N>(meta::type_list<N...>) {
                return std::array<std::string_view, tables::size>{detail::op_name_of<typename signature_of<N>::type>()...};
            }(Nodes{});
        }();
        return names[i];
    }

    bool valid_ = false;
    std::array<shape2, tables::size> shapes_{};
};

} // namespace typegrad
