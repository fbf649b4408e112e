// SPDX-License-Identifier: MIT
// A first-order linear recurrence along a row, the AR(1) filter that stochastic
// volatility needs (hᵢ depends on hᵢ₋₁), written as user-defined ops: typegrad has no
// scan op, and the recurrence as a dense lower-triangular matrix product would turn
// O(n) into O(n²). Each op is a compute op (a loop writing a buffer) with its
// vector-Jacobian product in the DSL beside it, as the ops under ops/ are written.
//
//   ar1(s, φ)          g₀ = s₀,         gᵢ = sᵢ + φ gᵢ₋₁        (forward filter F)
//   ar1_reverse(u, φ)  r_{n−1} = u_{n−1}, rᵢ = uᵢ + φ rᵢ₊₁      (R = Fᵀ, the adjoint filter)
//   lag_dot(a, b)      Σ_{i≥1} aᵢ bᵢ₋₁                        (1×1)
//   shift_down(a)      (0, a₀, …, a_{n−2});  shift_up(a) = (a₁, …, a_{n−1}, 0)
// Derivatives: F is linear in s with transpose R, so s̄ = R(ḡ); ∂g/∂φ = F(shift_down g),
// so φ̄ = ⟨R(ḡ), shift_down g⟩ = lag_dot(R(ḡ), g). Likewise for R with F.
#pragma once

#include <array>
#include <cstddef>

#include <typegrad/typegrad.hpp>

namespace typegrad::adbench {

// Shape rule of ops on a row s (1×n) and a scalar.
struct row_and_scalar : op_defaults {
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class S, class Phi>
    static constexpr static_dims static_shape() {
        static_assert(S::rows == 1 && Phi::rows == 1 && Phi::cols == 1,
                      "typegrad: ar1(s, phi): s must be a row (1×n) and phi a scalar");
        return shape_of<S>;
    }
    template <class S, class Phi>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = in[0];
        return in[0].rows == 1 && in[1].rows == 1 && in[1].cols == 1;
    }
};

template <bool Reverse>
struct ar1_op : row_and_scalar {
    static constexpr std::string_view name = Reverse ? "ar1_reverse" : "ar1";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& s, const xt::xtensor<T, 2>& phi) {
        const std::size_t n = s.size();
        const T p = phi(0, 0);
        const T* in = s.data();
        T* o = out.data();
        if (n == 0) return;
        if constexpr (Reverse) {
            o[n - 1] = in[n - 1];
            for (std::size_t i = n - 1; i-- > 0;) o[i] = in[i] + p * o[i + 1];
        } else {
            o[0] = in[0];
            for (std::size_t i = 1; i < n; ++i) o[i] = in[i] + p * o[i - 1];
        }
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 2>& a, style s) {
        const std::string f = Reverse ? "ar1ᵀ" : "ar1";
        if (s == style::latex)
            return {"\\operatorname{" + std::string(name) + "}\\left(" + a[0].text + ", " + a[1].text + "\\right)",
                    prec::postfix};
        return {f + "(" + a[0].text + ", " + a[1].text + ")", prec::postfix};
    }
};

// Σ_{i≥1} aᵢ bᵢ₋₁ over two rows of the same length: a 1×1 result.
struct lag_dot_op : op_defaults {
    static constexpr std::string_view name = "lag_dot";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A, class B>
    static constexpr static_dims static_shape() { return {1, 1}; }
    template <class A, class B>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = {1, 1};
        return in[0] == in[1] && in[0].rows == 1;
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b) {
        // Four running sums: one would wait out each addition's latency.
        const std::size_t n = a.size();
        const T* ap = a.data() + 1;
        const T* bp = b.data();
        T acc[4] = {};
        std::size_t i = 0;
        for (; i + 4 < n; i += 4)
            for (std::size_t k = 0; k < 4; ++k) acc[k] += ap[i + k] * bp[i + k];
        T total = (acc[0] + acc[1]) + (acc[2] + acc[3]);
        for (; i + 1 < n; ++i) total += ap[i] * bp[i];
        out(0, 0) = total;
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 2>& a, style) {
        return {"lag_dot(" + a[0].text + ", " + a[1].text + ")", prec::postfix};
    }
};

// Down: outᵢ = aᵢ₋₁ (out₀ = 0); up: outᵢ = aᵢ₊₁ (last = 0). Each is the other's transpose.
template <bool Down>
struct shift_op : op_defaults {
    static constexpr std::string_view name = Down ? "shift_down" : "shift_up";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A>
    static constexpr static_dims static_shape() { return shape_of<A>; }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = in[0];
        return in[0].rows == 1;
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        const std::size_t n = a.size();
        if (n == 0) return;
        if constexpr (Down) {
            out.data()[0] = 0;
            for (std::size_t i = 1; i < n; ++i) out.data()[i] = a.data()[i - 1];
        } else {
            for (std::size_t i = 0; i + 1 < n; ++i) out.data()[i] = a.data()[i + 1];
            out.data()[n - 1] = 0;
        }
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 1>& a, style s) { return print_call(name, name, a[0], s); }
};

template <node S, node Phi>
constexpr auto ar1(S s, Phi phi) { return make<ar1_op<false>>(s, phi); }
template <node U, node Phi>
constexpr auto ar1_reverse(U u, Phi phi) { return make<ar1_op<true>>(u, phi); }
template <node A, node B>
constexpr auto lag_dot(A a, B b) { return make<lag_dot_op>(a, b); }
template <node A>
constexpr auto shift_down(A a) { return make<shift_op<true>>(a); }
template <node A>
constexpr auto shift_up(A a) { return make<shift_op<false>>(a); }

// F: s̄ = R(ḡ), φ̄ = lag_dot(R(ḡ), g).  R: ū = F(ḡ), φ̄ = lag_dot(r, F(ḡ)).
template <bool Reverse>
template <std::size_t K, class Self, class G>
constexpr auto ar1_op<Reverse>::vjp(Self self, G g) {
    constexpr auto phi = operand<1>(self);
    if constexpr (!Reverse) {
        if constexpr (K == 0) return ar1_reverse(g, phi);
        else return lag_dot(ar1_reverse(g, phi), self);
    } else {
        if constexpr (K == 0) return ar1(g, phi);
        else return lag_dot(self, ar1(g, phi));
    }
}

// ∂/∂aᵢ = ḡ bᵢ₋₁, ∂/∂bⱼ = ḡ aⱼ₊₁ (ḡ is 1×1, broadcast over the row).
template <std::size_t K, class Self, class G>
constexpr auto lag_dot_op::vjp(Self self, G g) {
    if constexpr (K == 0) return g * shift_down(operand<1>(self));
    else return g * shift_up(operand<0>(self));
}

template <bool Down>
template <std::size_t K, class Self, class G>
constexpr auto shift_op<Down>::vjp(Self, G g) {
    if constexpr (Down) return shift_up(g);
    else return shift_down(g);
}

} // namespace typegrad::adbench
