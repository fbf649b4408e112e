// SPDX-License-Identifier: MIT
// expand(g, like): g broadcast to the shape of `like`. The derivation inserts it
// where an adjoint must take its node's full shape; the cancellation rule inserts
// it where a cancelled factor set the shape. Its adjoint is a sum, which the
// derivation's shape fit adds.
#pragma once

#include <typegrad/ops/op_base.hpp>

namespace typegrad {

// expand(g, like): g broadcast to the shape of `like`, whose value is never read.
struct expand_op : op_defaults {
    static constexpr std::string_view name = "expand";
    static constexpr bool view = true; // re-reads its operand, no forward rule of its own
    static constexpr bool broadcasts_operands = true;
    static constexpr bool uses_value(std::size_t k) { return k == 0; }
    template <class A, class Like>
    static constexpr static_dims static_shape() {
        static_assert(elementwise_shape_check<expand_op, A::rows, A::cols, Like::rows, Like::cols>::ok);
        return static_dims{Like::rows, Like::cols};
    }
    template <class A, class Like>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = in[1];
        return (A::rows == 1 || in[0].rows == in[1].rows) && (A::cols == 1 || in[0].cols == in[1].cols);
    }
    // The adjoint of a broadcast is a sum; the derivation's shape fit inserts it.
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g) {
        if constexpr (K == 0) return g;
        else return literal<0>{};
    }
    static printed print(const std::array<printed, 2>& a, style) { return a[0]; }
};

template <node G, node Like>
constexpr auto expand(G g, Like like) { return make<expand_op>(g, like); }

} // namespace typegrad
