// SPDX-License-Identifier: MIT
// max(x), min(x) and their axis forms max<axis>(x), min<axis>(x) (axis 0: each
// column, axis 1: each row). Subgradient at ties: the adjoint is split evenly among
// the elements that attain the extremum, g ⊙ m / Σ m with the mask m = 𝟙(x ≥ max x)
// (an element of the subdifferential, and symmetric in the tied elements), written
// in the DSL so that second derivatives pass through it.
#pragma once

#include <algorithm>

#include <typegrad/ops/compare.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/reduction.hpp>

namespace typegrad {

namespace detail {
template <bool Max>
struct pick {
    template <class T>
    T operator()(T a, T b) const { return Max ? std::max(a, b) : std::min(a, b); }
};

// The mask of the elements of x attaining its extremum e (e broadcast against x).
template <bool Max, class X, class E>
constexpr auto attains(X x, E e) {
    if constexpr (Max) return x >= e;
    else return x <= e;
}
} // namespace detail

template <bool Max>
struct extremum_op : full_reduction {
    static constexpr std::string_view name = Max ? "max" : "min";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) { detail::fold_all(out, a, detail::pick<Max>{}); }
    // max(x)′ = g ⊙ m / Σ m, m = 𝟙(x ≥ max(x))
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        const auto u = detail::unexpanded(g);
        constexpr auto m = detail::attains<Max>(operand<0>(self), self);
        return u * m / sum(m);
    }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call(name, Max ? "\\max" : "\\min", a[0], s);
    }
};

template <bool Max, int Axis>
struct extremum_axis_op : axis_reduction<Axis> {
    static constexpr std::string_view name = Max ? (Axis == 0 ? "colmax" : "rowmax") : (Axis == 0 ? "colmin" : "rowmin");
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        detail::fold_axis<Axis>(out, a, detail::pick<Max>{});
    }
    // colmax(x)′ = g ⊙ m / colsum(m), m = 𝟙(x ≥ colmax(x))
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        const auto u = detail::unexpanded(g);
        constexpr auto m = detail::attains<Max>(operand<0>(self), self);
        return u * m / sum<Axis>(m);
    }
    static printed print(const std::array<printed, 1>& a, style s) {
        return detail::print_axis_reduction<Axis>(Max ? "max" : "min", a[0], s);
    }
};

template <node A>
constexpr auto max(A a) { return make<extremum_op<true>>(a); }
template <node A>
constexpr auto min(A a) { return make<extremum_op<false>>(a); }
template <int Axis, node A>
constexpr auto max(A a) { return make<extremum_axis_op<true, Axis>>(a); }
template <int Axis, node A>
constexpr auto min(A a) { return make<extremum_axis_op<false, Axis>>(a); }

} // namespace typegrad
