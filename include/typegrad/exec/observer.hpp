// SPDX-License-Identifier: MIT
// A program's observer: program.run(values, observer) calls
// observer(std::integral_constant<std::size_t, I>{}) right after materialised node I
// is computed (and checked, when anomaly detection is on), so node I's buffer is
// final for this run while later nodes are still to come. Nodes are visited in the
// schedule's fixed topological order (schedule.hpp), so for a gradient program the
// order in which ∂f/∂x become final is a compile-time constant
// (gradient_program::ready_order(), eval.hpp). The call is compiled for every node
// id, the run loop being one fold over all nodes, and made only for nodes with a
// buffer: an observer accepts any I.
//
// What it is for: data-parallel training starts summing a gradient across
// processes as soon as it is final, overlapping the rest of the backward pass
// (gradient_program::run(values, on_ready), the trainer's --distributed). The
// default, no_observer, does nothing and compiles away.
#pragma once

#include <concepts>
#include <cstddef>
#include <type_traits>

namespace typegrad {

// Told that node I's buffer is final; does nothing.
struct no_observer {
    template <std::size_t I>
    constexpr void operator()(std::integral_constant<std::size_t, I>) const noexcept {}
};

// O can be told which node was just computed.
template <class O>
concept node_observer = std::invocable<O&, std::integral_constant<std::size_t, 0>>;

} // namespace typegrad
