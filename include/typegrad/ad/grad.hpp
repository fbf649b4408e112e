// SPDX-License-Identifier: MIT
// Reverse-mode differentiation on types. For f and the symbols to differentiate
// by, the unique nodes of f are put in topological order; walking them from f
// back to the inputs, each node's adjoint is the sum, over every consumer, of that
// consumer's vector-Jacobian product (which every op writes in the DSL itself),
// each fitted to the node's shape (fit_contribution), and expanded to the node's
// full shape where its consumers need it (expand_adjoint).
// The result is again an expression type: it can be printed, evaluated, compared
// with static_assert, and differentiated again.
#pragma once

#include <cstddef>
#include <type_traits>
#include <utility>

#include <typegrad/ad/derivative_name.hpp>
#include <typegrad/expr/distinct_symbols.hpp>
#include <typegrad/expr/graph.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/label.hpp>
#include <typegrad/ops/reduce.hpp>

namespace typegrad {

namespace detail {

// Every step below is a class template of types: each is instantiated once per
// node and memoised, and gets no symbol. A function, a lambda or a static member
// would: GCC names every one it instantiates, and each such name spells the node's
// whole subgraph, so one per node made compile time grow faster than the graph
// (issue 15).

// Whether the consumers of an op's nodes need their adjoint at the node's full shape.
template <class Op>
constexpr bool op_needs_full_shape() {
    if constexpr (std::is_void<Op>::value) return false;                        // symbols and literals
    else if constexpr (requires { requires Op::reshapes; }) return true;         // a relabelling does not broadcast
    else return Op::kind != op_kind::elementwise;
}
template <class N>
struct needs_full_shape : std::bool_constant<op_needs_full_shape<op_of_t<N>>()> {};

// An adjoint smaller than its node stands for its broadcast to the node's shape:
// elementwise consumers broadcast on their own, so the expansion is deferred to
// where it matters: ops of another kind, and views that relabel rows and columns
// (conv's layout change), which cannot split a broadcast. The same holds for what a consumer passes back to an operand,
// relative to the shape the operand had inside the consumer.

// A summed along the dimensions where X is 1 and A is not; one Σ when X is a scalar.
template <class X, class A>
using summed_to = std::conditional_t<
    is_scalar<X>::value && !is_scalar<A>::value, expr<sum_op, no_label, A>,
    std::conditional_t<X::rows == 1 && A::rows != 1, expr<sum_axis_op<0>, no_label, A>,
                       std::conditional_t<X::cols == 1 && A::cols != 1, expr<sum_axis_op<1>, no_label, A>, A>>>;

// The dimensions along which X is 1 but was broadcast inside its consumer (to the
// consumer's shape where the consumer broadcasts its operands) while the contribution
// A only stands for that extent: 1 for rows, 2 for columns, 3 for both.
constexpr int stood_for_axes(static_dims x, static_dims a, static_dims consumer, bool broadcasts) {
    const static_dims inside = broadcasts ? consumer : x;
    return (x.rows == 1 && a.rows == 1 && inside.rows != 1 ? 1 : 0) + (x.cols == 1 && a.cols == 1 && inside.cols != 1 ? 2 : 0);
}

// Fits what Consumer passes back to its operand X to X's shape, before it is added
// to X's other contributions (contributions of different shapes would broadcast
// against one another). Along a dimension where X is 1 but was broadcast inside the
// consumer, an extent the contribution has is summed, and an extent it only stands
// for is a factor: the broadcast is a sum of equal terms.
template <class X, class Consumer, class A,
          int Axes = is_zero<A>::value ? -1
                                       : stood_for_axes({X::rows, X::cols}, {A::rows, A::cols}, {Consumer::rows, Consumer::cols},
                                                        Consumer::op::broadcasts_operands)>
struct fitted_contribution {
    using type = summed_to<X, A>;
};
template <class X, class Consumer, class A>
struct fitted_contribution<X, Consumer, A, -1> { // zero stays zero
    using type = A;
};
template <class X, class Consumer, class A>
struct fitted_contribution<X, Consumer, A, 1> {
    using type = decltype(summed_to<X, A>{} * rows(Consumer{}));
};
template <class X, class Consumer, class A>
struct fitted_contribution<X, Consumer, A, 2> {
    using type = decltype(summed_to<X, A>{} * cols(Consumer{}));
};
template <class X, class Consumer, class A>
struct fitted_contribution<X, Consumer, A, 3> {
    using type = decltype(summed_to<X, A>{} * size(Consumer{}));
};

// Expands a fitted adjoint A to its node N's full shape where it is smaller and the
// node's consumers need the full shape (or the adjoint is a result).
template <class N, bool Output, class A>
using expanded_adjoint = std::conditional_t<
    !(is_zero<A>::value && !Output) && ((A::rows == 1 && N::rows != 1) || (A::cols == 1 && N::cols != 1)) &&
        (Output || needs_full_shape<N>::value),
    expr<expand_op, no_label, A, N>, A>;

} // namespace detail

// The adjoints of every node of f that depends on a symbol in Wrt.
template <class F>
struct derivation {
    using order = topological_order<F>;
    using tables = graph<order>;
    static constexpr std::size_t root = tables::size - 1;

    template <std::size_t I>
    using node = typename tables::template node<I>;

    // ∂f/∂(node I) and the edge contributions it sums, as class templates of types
    // only: each is instantiated once and memoised, and gets no symbol. A function or a
    // lambda would: GCC names every one it instantiates, and each such name spells all
    // of f, so one per node made the compile time grow faster than the graph.
    template <std::size_t J, std::size_t K>
    struct contribution_at;

    // Σⱼ c̄ⱼ: the sum, over node I's consumers j, of what each passes back to it.
    template <std::size_t I, std::size_t First = tables::consumers.first[I],
              class E = std::make_index_sequence<tables::consumers.first[I + 1] - tables::consumers.first[I]>>
    struct contributions_to;
    template <std::size_t I, std::size_t First, std::size_t... E>
    struct contributions_to<I, First, std::index_sequence<E...>> {
        using type = decltype((literal<0>{} + ... +
                               typename contribution_at<tables::consumers.edges[First + E].consumer,
                                                        tables::consumers.edges[First + E].position>::type{}));
    };

    // ∂f/∂nᵢ = Σⱼ c̄ⱼ, expanded to nᵢ's full shape where its consumers need it.
    template <std::size_t I>
    struct summed_adjoint {
        using type = detail::expanded_adjoint<node<I>, false, typename contributions_to<I>::type>;
    };

    // ∂f/∂f = 1 at the root.
    template <std::size_t I>
    struct adjoint_at {
        using type = typename std::conditional_t<I == root, std::type_identity<literal<1>>, summed_adjoint<I>>::type;
    };

    // What consumer J passes back to its operand at position K: the op's
    // vector-Jacobian product of ∂f/∂n_J, fitted to the operand's shape.
    template <std::size_t J, std::size_t K>
    struct fitted_vjp {
        using consumer = node<J>;
        using operand = meta::at<operands_t<consumer>, K>;
        using type = typename detail::fitted_contribution<
            operand, consumer, decltype(consumer::op::template vjp<K>(consumer{}, typename adjoint_at<J>::type{}))>::type;
    };

    // An operand read for its shape only gets nothing back.
    template <std::size_t J, std::size_t K>
    struct contribution_at {
        using type = typename std::conditional_t<tables::reads_value[J][K], fitted_vjp<J, K>,
                                                 std::type_identity<literal<0>>>::type;
    };

    // ∂f/∂X for any node X: zero when f does not depend on X.
    template <class X, bool In = meta::contains<order, X>::value>
    struct adjoint_of_node {
        using type = detail::expanded_adjoint<X, true, literal<0>>;
    };
    template <class X>
    struct adjoint_of_node<X, true> {
        using type = detail::expanded_adjoint<X, true, typename adjoint_at<meta::index_in<order, X>::value>::type>;
    };
    template <class X>
    using adjoint_of = typename adjoint_of_node<X>::type;
};

namespace detail {

template <class F>
constexpr std::string_view function_label() {
    if constexpr (has_label<F>::value) return F::label_type::name.view();
    else return "f";
}

// "∂f/∂x" (or ∂²f/∂x² when f is itself ∂f/∂x) as a label.
template <class F, class X>
constexpr auto derivative_label() {
    constexpr name_buffer text = derivative_text(differentiate(function_label<F>(), X::name.view()));
    fixed_string<text.size + 1> out;
    for (std::size_t i = 0; i < text.size; ++i) out.chars[i] = text.chars[i];
    return out;
}

// A derived expression named after the derivative it is; symbols, literals and
// nodes the user named keep their own names.
template <class F, class X, class A>
constexpr auto named_derivative(A a) {
    if constexpr (is_symbol<A>::value || is_literal<A>::value || has_label<A>::value) return a;
    else return name<derivative_label<F, X>()>(a);
}

} // namespace detail

// The gradient of f with respect to Wrt...: a compile-time value whose type holds
// one derived expression per symbol.
template <class F, class... Wrt>
struct gradient {
    using function = F;
    using wrt = meta::type_list<Wrt...>;
    using adjoints = meta::type_list<typename derivation<F>::template adjoint_of<Wrt>...>;

    // The derived expression ∂f/∂x, itself differentiable, named ∂f/∂x: its own
    // gradient prints as ∂²f/∂x² = … where ∂f/∂x = ….
    template <node X>
    constexpr auto operator[](X) const {
        static_assert(meta::contains<wrt, X>::value, "typegrad: gradient[x] requires x to be one of the symbols given to grad");
        return detail::named_derivative<F, X>(meta::at<adjoints, meta::index_in<wrt, X>::value>{});
    }
};

// grad(f, x, y, ...): reverse mode on the type of f.
template <node F, node... Wrt>
constexpr auto grad(F, Wrt...) {
    static_assert(is_scalar<F>::value, "typegrad: grad(f, wrt...) requires a scalar-valued f (static shape 1×1): "
                                  "reduce it first with sum, mean or a loss");
    static_assert(sizeof...(Wrt) > 0, "typegrad: grad(f, wrt...) requires at least one symbol to differentiate by");
    require_distinct_symbols<meta::concat_t<topological_order<F>, meta::type_list<Wrt...>>>(); // one name, one symbol
    return gradient<F, Wrt...>{};
}

// The adjoint ∂f/∂n of any node n of f, for inspecting a derivation.
template <node F, node N>
constexpr auto adjoint(F, N) {
    return typename derivation<F>::template adjoint_of<N>{};
}

} // namespace typegrad
