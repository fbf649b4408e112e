// SPDX-License-Identifier: MIT
// The executor: runs a schedule (schedule.hpp) over bound values. It infers shapes
// (shapes.hpp), (re)sizes buffers only when the bound shapes change, and computes
// every materialised node once, in topological order (fusion.hpp), telling an
// observer, if given, as each is done (observer.hpp). There is no tape and nothing
// is dispatched virtually: the schedule is the type.
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

// The slot of symbol node N in Values; 0 for any other node, which bind() never reads
// (the same pattern as is_symbol).
template <class Values, class N>
struct slot_in : std::integral_constant<std::size_t, 0> {};
template <class Values, fixed_string Name, dim R, dim C>
struct slot_in<Values, symbol<Name, R, C>> : std::integral_constant<std::size_t, Values::template slot_of<Name>()> {};

} // namespace detail

// Runs the schedule Plan over the nodes of Order with values of scalar type T.
// Templated on the order and the schedule alone: which outputs were asked for is
// in the schedule, and program (program.hpp) only adds reading them back.
template <class T, class Order, const auto& Plan>
class executor {
  public:
    using tables = graph<Order>;
    static constexpr std::size_t size = tables::size;
    static constexpr const auto& plan = Plan; // a test can static_assert on it

    executor() : buffers_(size) {}

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
                if (Plan.materialized[i] && (buffers_[i].shape(0) != shapes_[i].rows || buffers_[i].shape(1) != shapes_[i].cols))
                    buffers_[i].resize({shapes_[i].rows, shapes_[i].cols});
        }
        // Each materialised node in order, by free functions of the node (fusion.hpp
        // says why not members). The fold walks the list itself, node types and ids
        // side by side: the kernels are built from the node's type (planned.hpp).
        const kernel_inputs<T> in{bound_.data(), buffers_.data(), shapes_.data()};
        [&]<class... N, std::size_t... I>(meta::type_list<N...>, std::index_sequence<I...>) {
            ((Plan.materialized[I] ? void((kernels::run<typename planned<Order, Plan>::template computed_if<N, I>::type,
                                                        Plan.takes_operand_buffer[I]>(buffers_.data(), shapes_.data(), in),
                                           computed(I), observer(std::integral_constant<std::size_t, I>{})))
                                   : void()),
             ...);
        }(Order{}, std::make_index_sequence<size>{});
    }

    // Node i's value after run(), if it has a buffer.
    const xt::xtensor<T, 2>& buffer(std::size_t i) const { return buffers_[i]; }

    shape2 shape_of_node(std::size_t i) const { return shapes_[i]; }

    // Anomaly detection, off by default: while on, every materialised node is checked
    // for NaN and infinity as soon as it is computed, and the first bad one throws
    // anomaly_error. Off, it costs one predictable branch per node and run.
    void detect_anomalies(bool on = true, node_namer namer = &graph_text<Order>::text) { namer_ = on ? namer : nullptr; }
    bool detects_anomalies() const { return namer_ != nullptr; }

  private:
    // Each symbol node's bound value, by node id: what shape inference and the kernels
    // read. Looked up here, once per run, so that none of their per-node functions has
    // the values' type (which spells every binding) in its symbol. The fold walks the
    // node list itself, types and ids side by side (planned.hpp says why).
    template <class Values>
    void bind(const Values& values) {
        [&]<class... N, std::size_t... I>(meta::type_list<N...>, std::index_sequence<I...>) {
            // values.get<name>() would do the same, but as one member function per
            // symbol, each named after the whole values type.
            ((is_symbol<N>::value ? void(bound_[I] = &values.slots[detail::slot_in<Values, N>::value].get()) : void()), ...);
        }(Order{}, std::make_index_sequence<size>{});
    }

    // Node i's buffer is complete.
    void computed(std::size_t i) const {
        if (namer_) [[unlikely]]
            check_finite<Order>(buffers_[i], i, namer_);
    }

    node_namer namer_ = nullptr;
    std::array<const xt::xtensor<T, 2>*, size> bound_{};
    shapes<Order> shapes_;
    std::vector<xt::xtensor<T, 2>> buffers_;
};

} // namespace typegrad
