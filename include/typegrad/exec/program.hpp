// SPDX-License-Identifier: MIT
// The executor. For a fixed set of output expressions the schedule (schedule.hpp)
// decides at compile time which nodes get a buffer and which are fused into their
// consumer's loop; at run time the program infers shapes (shapes.hpp), (re)sizes
// buffers only when the bound shapes change, and computes every materialised node
// once, in topological order (fusion.hpp), telling an observer, if given, as each
// is done (observer.hpp). There is no tape and nothing is dispatched virtually: the
// schedule is the type.
#pragma once

#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/anomaly.hpp>
#include <typegrad/exec/fusion.hpp>
#include <typegrad/exec/observer.hpp>
#include <typegrad/exec/schedule.hpp>
#include <typegrad/exec/shapes.hpp>
#include <typegrad/exec/values.hpp>
#include <typegrad/expr/graph.hpp>

namespace typegrad {

namespace detail {

template <std::size_t Size>
constexpr std::size_t count_of(const std::array<bool, Size>& flags) {
    std::size_t n = 0;
    for (bool f : flags) n += f;
    return n;
}

// The indices of the Count true flags, in order.
template <std::size_t Count, std::size_t Size>
constexpr std::array<std::size_t, Count> ids_where(const std::array<bool, Size>& flags) {
    std::array<std::size_t, Count> ids{};
    for (std::size_t i = 0, k = 0; i < Size; ++i)
        if (flags[i]) ids[k++] = i;
    return ids;
}

template <std::size_t Size>
constexpr std::array<bool, Size> kind_is(const std::array<node_kind, Size>& kinds, node_kind k) {
    std::array<bool, Size> out{};
    for (std::size_t i = 0; i < Size; ++i) out[i] = kinds[i] == k;
    return out;
}

} // namespace detail

// Evaluates Outputs... over bound values of scalar type T.
template <class T, class... Outputs>
class program {
  public:
    using order = topological_order<Outputs...>;
    using tables = graph<order>;
    static constexpr const auto& plan = schedule_of<order, Outputs...>;
    using planned_nodes = planned<order, schedule_of<order, Outputs...>>;
    static constexpr std::size_t size = tables::size;

    program() : buffers_(size) {}

    // Computes every output for these values. Buffers are reused while the bound
    // shapes stay the same, so a steady-state call does not allocate.
    template <class Values, class Observer = no_observer>
    void run(const Values& values, Observer&& observer = {}) {
        static_assert(std::is_same<typename value_type_of_values<Values>::type, T>::value,
                      "typegrad: the bound values' scalar type differs from the program's");
        static_assert(node_observer<Observer>, "typegrad: program.run(values, observer) requires "
                                               "observer(std::integral_constant<std::size_t, I>{}) for a node id I");
        bind(values);
        if (!shapes_.hold_for(bound_.data())) {
            shapes_.infer(bound_.data());
            for (std::size_t i = 0; i < size; ++i)
                if (plan.materialized[i] && (buffers_[i].shape(0) != shapes_[i].rows || buffers_[i].shape(1) != shapes_[i].cols))
                    buffers_[i].resize({shapes_[i].rows, shapes_[i].cols});
        }
        // Each materialised node in order, by free functions of the node (fusion.hpp
        // says why not members).
        const kernel_inputs<T> in{bound_.data(), buffers_.data(), shapes_.data()};
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            ((kernels::run<typename planned_nodes::template computed<computed_ids[K]>::type,
                           plan.takes_operand_buffer[computed_ids[K]]>(buffers_.data(), shapes_.data(), in),
              computed(computed_ids[K]),
              observer(std::integral_constant<std::size_t, computed_ids[K]>{})),
             ...);
        }(std::make_index_sequence<computed_ids.size()>{});
    }

    // The value of output node N after run().
    template <class N>
    const xt::xtensor<T, 2>& operator[](N) const {
        static_assert(meta::contains<order, N>::value, "typegrad: program[node] requires one of the program's outputs");
        static_assert(plan.output[tables::template id_of<N>::value], "typegrad: program[node] requires one of the program's outputs");
        return buffers_[tables::template id_of<N>::value];
    }

    shape2 shape_of_node(std::size_t i) const { return shapes_[i]; }

    // Anomaly detection, off by default: while on, every materialised node is checked
    // for NaN and infinity as soon as it is computed, and the first bad one throws
    // anomaly_error. Off, it costs one predictable branch per node and run.
    void detect_anomalies(bool on = true, node_namer namer = &graph_text<order>::text) { namer_ = on ? namer : nullptr; }
    bool detects_anomalies() const { return namer_ != nullptr; }

  private:
    // The materialised nodes and the symbol nodes, in order. (Computed by functions of
    // the tables' values: a lambda here would be named after the whole program.)
    static constexpr auto computed_ids = detail::ids_where<detail::count_of(plan.materialized)>(plan.materialized);
    static constexpr auto is_symbol_node = detail::kind_is(tables::kind, node_kind::symbol);
    static constexpr auto symbol_ids = detail::ids_where<detail::count_of(is_symbol_node)>(is_symbol_node);

    // Each symbol node's bound value, by node id: what shape inference and the kernels
    // read. Looked up here, once per run, so that none of their per-node functions has
    // the values' type (which spells every binding) in its symbol.
    template <class Values>
    void bind(const Values& values) {
        [&]<std::size_t... K>(std::index_sequence<K...>) {
            // values.get<name>() would do the same, but as one member function per
            // symbol, each named after the whole values type.
            ((bound_[symbol_ids[K]] = &values.slots[Values::template slot_of<tables::template node<symbol_ids[K]>::name>()].get()), ...);
        }(std::make_index_sequence<symbol_ids.size()>{});
    }

    // Node i's buffer is complete.
    void computed(std::size_t i) const {
        if (namer_) [[unlikely]]
            check_finite<order>(buffers_[i], i, namer_);
    }

    node_namer namer_ = nullptr;
    std::array<const xt::xtensor<T, 2>*, size> bound_{};
    shapes<order> shapes_;
    std::vector<xt::xtensor<T, 2>> buffers_;
};

} // namespace typegrad
