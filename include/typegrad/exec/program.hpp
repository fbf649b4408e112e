// SPDX-License-Identifier: MIT
// A program: the executor (executor.hpp) for a fixed set of output expressions. The
// schedule (schedule.hpp) decides at compile time which nodes get a buffer and
// which are fused into their consumer's loop; program[output] reads a result.
#pragma once

#include <type_traits>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/executor.hpp>
#include <typegrad/exec/schedule.hpp>
#include <typegrad/expr/graph.hpp>
#include <typegrad/expr/topological_order.hpp>

namespace typegrad {

// The executor of the schedule for Outputs... over their topological order.
template <class T, class... Outputs>
using executor_for = executor<T, topological_order<Outputs...>, schedule_of<topological_order<Outputs...>, Outputs...>>;

// Evaluates Outputs... over bound values of scalar type T: run(values), then
// program[output].
template <class T, class... Outputs>
class program : public executor_for<T, Outputs...> {
    using base = executor_for<T, Outputs...>;

  public:
    using order = topological_order<Outputs...>;
    using typename base::tables;
    using base::plan;

    // The value of output node N after run().
    template <class N>
    const xt::xtensor<T, 2>& operator[](N) const {
        static_assert(meta::contains<order, N>::value, "typegrad: program[node] requires one of the program's outputs");
        static_assert(plan.output[tables::template id_of<N>::value], "typegrad: program[node] requires one of the program's outputs");
        return this->buffer(tables::template id_of<N>::value);
    }
};

} // namespace typegrad
