// SPDX-License-Identifier: MIT
// prod(x) and prod<axis>(x) (axis 0: each column, axis 1: each row). The VJP
// divides the product by each element, g ⊙ p / x: where an element is exactly 0 it
// is 0/0 = NaN, which anomaly detection reports by node (the product of the other
// elements is not expressible without a division in this DSL).
#pragma once

#include <functional>

#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/reduction.hpp>

namespace typegrad {

struct prod_op : full_reduction {
    static constexpr std::string_view name = "prod";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) { detail::fold_all(out, a, std::multiplies<T>{}); }
    // (∏ x)′ = g ⊙ ∏x / x
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        const auto u = detail::unexpanded(g);
        return u * self / operand<0>(self);
    }
    static printed print(const std::array<printed, 1>& a, style s) {
        if (s == style::latex) return {"\\prod " + parenthesize(a[0], prec::postfix, s), prec::neg};
        return print_call("∏", "", a[0], s);
    }
};

template <int Axis>
struct prod_axis_op : axis_reduction<Axis> {
    static constexpr std::string_view name = Axis == 0 ? "colprod" : "rowprod";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        detail::fold_axis<Axis>(out, a, std::multiplies<T>{});
    }
    // colprod(x)′ = g ⊙ colprod(x) / x
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g) {
        const auto u = detail::unexpanded(g);
        return u * self / operand<0>(self);
    }
    static printed print(const std::array<printed, 1>& a, style s) { return detail::print_axis_reduction<Axis>("prod", a[0], s); }
};

template <node A>
constexpr auto prod(A a) { return make<prod_op>(a); }
template <int Axis, node A>
constexpr auto prod(A a) { return make<prod_axis_op<Axis>>(a); }

} // namespace typegrad
