// SPDX-License-Identifier: MIT
// What every op provides, and the defaults most ops share. An op is a stateless
// tag type; its forward rule, vector-Jacobian product, shape rule and printed form
// are static members that sit together in the op's own header under ops/.
#pragma once

#include <array>
#include <concepts>
#include <cstddef>
#include <string>
#include <string_view>

#include <typegrad/expr/node.hpp>
#include <typegrad/expr/op_kind.hpp>
#include <typegrad/expr/printed.hpp>
#include <typegrad/expr/shape.hpp>

namespace typegrad {

struct op_defaults {
    static constexpr op_kind kind = op_kind::elementwise;
    // True where the executor must hand the op whole buffers rather than lazy
    // expressions (BLAS, reductions, views with strides).
    static constexpr bool materialize_operands = false;
    // False for operands the op reads only the shape of (they are never computed
    // for it and receive no adjoint).
    static constexpr bool uses_value(std::size_t) { return true; }
    // True where an operand is broadcast to the op's own shape, so that the
    // derivation must sum (or scale) its adjoint back down to the operand's shape.
    static constexpr bool broadcasts_operands = false;
    // An elementwise op sets this when its `apply` also runs on a SIMD batch of T:
    // written with + − * /, comparisons, and ops/math.hpp's math::exp, math::select
    // (for a ? b : c) and the rest. The fused loops then take a chain of such ops a
    // batch at a time; a chain with any other op runs its scalar `apply`, which
    // stays the reference.
    static constexpr bool vectorized = false;
};

// Shape rule of ops whose result has their operand's shape.
struct same_shape : op_defaults {
    template <class A>
    static constexpr static_dims static_shape() { return static_dims{A::rows, A::cols}; }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = in[0];
        return true;
    }
};

// The elementwise unary ops: a scalar rule `apply`, the operand's shape.
struct unary_elementwise : same_shape {};

// Shape rule shared by the elementwise binary ops: numpy broadcasting restricted
// to dimensions that are statically 1.
template <class Op>
struct binary_elementwise : op_defaults {
    static constexpr bool broadcasts_operands = true;
    template <class A, class B>
    static constexpr static_dims static_shape() { return broadcast_shape<Op, A, B>(); }
    template <class A, class B>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        return broadcast_runtime(A::rows, in[0].rows, B::rows, in[1].rows, out.rows) &&
               broadcast_runtime(A::cols, in[0].cols, B::cols, in[1].cols, out.cols);
    }
};

// What every op provides. Checked where a node is made, once per op and arity,
// so an op that forgets a member fails with one `typegrad:` line naming it; the
// op's type is the template argument of op_contract in the diagnostic.
namespace detail {
// "Does Op declare a member called vjp (of any kind)?": looking the name up in a
// class that also inherits a probe member of that name is ambiguous exactly when
// Op has one. Templates (vjp, compute) cannot be asked for by signature without
// instantiating them.
struct vjp_probe { int vjp; };
struct compute_probe { int compute; };
struct static_shape_probe { int static_shape; };
struct shape_probe { int shape; };
template <class Op, class Probe>
struct probe_lookup : Op, Probe {};
} // namespace detail

template <class Op, std::size_t Arity>
struct op_contract {
    static constexpr bool has_name = requires { { Op::name } -> std::convertible_to<std::string_view>; };
    static constexpr bool has_kind = requires { { Op::kind } -> std::convertible_to<op_kind>; };
    static constexpr bool has_shape_rules = !requires { &detail::probe_lookup<Op, detail::static_shape_probe>::static_shape; } &&
                                            !requires { &detail::probe_lookup<Op, detail::shape_probe>::shape; };
    static constexpr bool has_vjp = !requires { &detail::probe_lookup<Op, detail::vjp_probe>::vjp; };
    static constexpr bool has_print = requires(const std::array<printed, Arity>& a) {
        { Op::print(a, style::text) } -> std::same_as<printed>;
    };
    static constexpr bool is_view = requires { requires Op::view; };
    static constexpr bool has_forward = [] {
        if constexpr (!requires { Op::kind; }) return false;
        else if constexpr (is_view || Op::kind == op_kind::gemm) return true;
        else if constexpr (Op::kind == op_kind::compute) return !requires { &detail::probe_lookup<Op, detail::compute_probe>::compute; };
        else return []<std::size_t... K>(std::index_sequence<K...>) {
            return requires { { Op::apply((void(K), 1.0)...) } -> std::convertible_to<double>; };
        }(std::make_index_sequence<Arity>{});
    }();
    static_assert(has_name, "typegrad: an op must declare `static constexpr std::string_view name` (see ops/op_base.hpp)");
    static_assert(has_kind, "typegrad: an op must declare its `kind` (derive from op_defaults, unary_elementwise or binary_elementwise)");
    static_assert(has_shape_rules, "typegrad: an op must declare its shape rules `static_shape<A...>()` and `shape<A...>(out, in)`");
    static_assert(has_forward, "typegrad: an op must declare its forward rule: `apply(a...)` (elementwise), `compute(out, a...)` "
                               "(kind compute), or be a gemm or a view");
    static_assert(has_vjp, "typegrad: an op must declare its vector-Jacobian product `template <std::size_t K, class Self, class G> "
                           "static constexpr auto vjp(Self, G)`");
    static_assert(has_print, "typegrad: an op must declare its printed form `static printed print(const std::array<printed, arity>&, style)`");
};

// Builds a node, letting the op rewrite it first (identities, folding,
// cancellation). Every node the library creates goes through here. An op rewrites
// with a type, `template <class... A> using rewrite = ...` (the arithmetic ops:
// simplify/arithmetic.hpp), or with a function `simplify(A...)` whose return type is
// the node. A class template, like the rules it runs: a node is built for every
// step of every derivation, and GCC names every function it instantiates after its
// arguments, the node's whole subgraph (issue 15).
template <class Op, class... A>
struct made_node {
    using type = expr<Op, no_label, A...>;
};
template <class Op, class... A>
    requires requires { Op::simplify(A{}...); }
struct made_node<Op, A...> {
    using type = decltype(Op::simplify(A{}...));
};
template <class Op, class... A>
    requires requires { typename Op::template rewrite<A...>; }
struct made_node<Op, A...> {
    using type = typename Op::template rewrite<A...>;
};

template <class Op, class... A>
struct checked_node : made_node<Op, A...> {
    static_assert(sizeof(op_contract<Op, sizeof...(A)>) > 0); // its own static_asserts speak
};

// The node Op(A...) after the op's rewrite rules.
template <class Op, class... A>
using made = typename checked_node<Op, A...>::type;

// The same as a function of node values: make<sigmoid_op>(a).
template <class Op, class... A>
constexpr auto make(A...) {
    return made<Op, A...>{};
}

} // namespace typegrad
