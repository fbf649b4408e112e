// SPDX-License-Identifier: MIT
// The user-facing ways to run a graph: eval(expr, values) for a value,
// eval(grad(f, ...), values) for f and its gradient, and compile<T>(...) for a
// reusable program whose buffers persist across calls (a training loop).
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>

#include <typegrad/ad/grad.hpp>
#include <typegrad/expr/distinct_symbols.hpp>
#include <typegrad/exec/program.hpp>
#include <typegrad/print/formula.hpp>

namespace typegrad {

namespace detail {

// The observer behind gradient_program::run(values, on_ready): after node i, on_ready(k)
// if i is the k-th adjoint, else on_ready() if it takes no arguments. One function for
// every node, the node id arriving as a number: an observer templated on
// integral_constant<I> is instantiated once per node, and each copy that listed every
// adjoint's id would cost nodes × parameters to compile (issue 15).
template <class OnReady, std::size_t Count>
struct ready_observer {
    OnReady& on_ready;
    const std::array<std::size_t, Count>& adjoint_ids;
    void operator()(std::size_t i) const {
        bool gradient = false;
        for (std::size_t k = 0; k < Count; ++k)
            if (adjoint_ids[k] == i) on_ready(k), gradient = true;
        if constexpr (std::is_invocable_v<OnReady&>)
            if (!gradient) on_ready();
    }
};

} // namespace detail

// f and its gradient, evaluated together: f's forward values feed the backward pass.
template <class T, class F, class Wrt, class Adjoints>
class gradient_program;

template <class T, class F, class... Wrt, class... Adj>
class gradient_program<T, F, meta::type_list<Wrt...>, meta::type_list<Adj...>> {
  public:
    template <class Values>
    const gradient_program& run(const Values& values) {
        program_.run(values);
        return *this;
    }

    // As run(values), and calls on_ready(k) as soon as ∂f/∂(k-th symbol given to grad) is
    // final, while the rest of the backward pass still runs (data-parallel training starts
    // summing that gradient across processes then). Calls come in ready_order(). If on_ready
    // can also be called without arguments, on_ready() follows every other computed node (a
    // chance to let communication progress).
    template <class Values, class OnReady>
    const gradient_program& run(const Values& values, OnReady&& on_ready) {
        program_.run(values, detail::ready_observer<OnReady, sizeof...(Adj)>{on_ready, adjoint_ids});
        return *this;
    }

    // The positions k of the symbols given to grad in the order their gradients become final:
    // the backward schedule is fixed at compile time, so this is a constant.
    static constexpr std::array<std::size_t, sizeof...(Wrt)> ready_order() {
        std::array<std::size_t, sizeof...(Wrt)> order{};
        for (std::size_t k = 0; k < order.size(); ++k) { // insertion sort by node id: stable, constexpr
            std::size_t j = k;
            for (; j > 0 && adjoint_ids[order[j - 1]] > adjoint_ids[k]; --j) order[j] = order[j - 1];
            order[j] = k;
        }
        return order;
    }

    // f's value after run().
    T value() const { return program_[F{}](0, 0); }

    // ∂f/∂x after run(), shaped like x.
    template <node X>
    const xt::xtensor<T, 2>& operator[](X) const {
        static_assert(meta::contains<meta::type_list<Wrt...>, X>::value,
                      "typegrad: gradient[x] requires x to be one of the symbols given to grad");
        using adjoint = meta::at<meta::type_list<Adj...>, meta::index_in<meta::type_list<Wrt...>, X>::value>;
        return program_[adjoint{}];
    }

    // Anomaly detection (see program::detect_anomalies), naming nodes as formula(g)
    // does: "δ2 = (W2ᵀ δ3) ⊙ a2 ⊙ (1 − a2) in the backward pass".
    void detect_anomalies(bool on = true) {
        program_.detect_anomalies(on, &detail::describe_gradient_node<typename program_type::order, F, Wrt...>);
    }
    bool detects_anomalies() const { return program_.detects_anomalies(); }

  private:
    // The adjoints go to the program last symbol first. The depth-first schedule then
    // finishes each gradient as soon as the backward pass reaches it: for parameters
    // listed input to output, the last layer's first, while the earlier layers' deltas
    // are still to come (data-parallel training sums it meanwhile; PyTorch's DDP
    // buckets in reverse parameter order for the same reason). Given first, ∂/∂W1
    // would pull in the whole backward chain and every gradient would come at the end.
    template <class Reversed>
    struct last_first;
    template <class... R>
    struct last_first<meta::type_list<R...>> {
        using type = program<T, F, R...>;
    };
    using program_type = typename last_first<meta::reverse_t<meta::type_list<Adj...>>>::type;
    // The k-th adjoint's node id.
    static constexpr std::array<std::size_t, sizeof...(Adj)> adjoint_ids = {program_type::tables::template id_of<Adj>::value...};
    program_type program_;
};

template <class T, class F, class... Wrt>
constexpr auto compile(gradient<F, Wrt...>) {
    static_assert(std::is_floating_point_v<T>, "typegrad: compile<T>(...) computes in T = float or double");
    return gradient_program<T, F, meta::type_list<Wrt...>, typename gradient<F, Wrt...>::adjoints>{};
}

template <class T, node E>
constexpr auto compile(E) {
    static_assert(std::is_floating_point_v<T>, "typegrad: compile<T>(...) computes in T = float or double");
    require_distinct_symbols<topological_order<E>>(); // one name, one symbol (a gradient's F is checked by grad)
    return program<T, E>{};
}

// The value of an expression.
template <node E, class Values>
auto eval(E e, const Values& values) {
    using T = typename value_type_of_values<Values>::type;
    auto p = compile<T>(e);
    p.run(values);
    return xt::xtensor<T, 2>(p[e]);
}

// f's value and gradient: g.value(), g[x].
template <class F, class... Wrt, class Values>
auto eval(gradient<F, Wrt...> g, const Values& values) {
    using T = typename value_type_of_values<Values>::type;
    auto p = compile<T>(g);
    p.run(values);
    return p;
}

} // namespace typegrad
