// SPDX-License-Identifier: MIT
// Irrational constants as nodes: a literal is an exact rational, so π or √(2/π)
// (which gelu's derivative needs) is a node of its own, without operands, that
// prints by name and computes its value in the program's scalar type.
#pragma once

#include <array>
#include <numbers>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/op_base.hpp>

namespace typegrad {

namespace constants {
struct pi {
    static constexpr std::string_view text = "π";
    static constexpr std::string_view latex = "\\pi";
    template <class T>
    static constexpr T value() { return std::numbers::pi_v<T>; }
};
struct sqrt_2_over_pi {
    static constexpr std::string_view text = "√(2/π)";
    static constexpr std::string_view latex = "\\sqrt{2/\\pi}";
    template <class T>
    static constexpr T value() { return std::numbers::sqrt2_v<T> * std::numbers::inv_sqrtpi_v<T>; }
};
} // namespace constants

// A 1×1 node with no operands and no derivative.
template <class C>
struct constant_op : op_defaults {
    static constexpr std::string_view name = C::text;
    static constexpr op_kind kind = op_kind::compute;
    template <class... None>
    static constexpr static_dims static_shape() { return {1, 1}; }
    template <class... None>
    static bool shape(shape2& out, const std::array<shape2, 0>&) {
        out = {1, 1};
        return true;
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out) { out(0, 0) = C::template value<T>(); }
    static printed print(const std::array<printed, 0>&, style s) {
        return {std::string(s == style::latex ? C::latex : C::text), prec::atom};
    }
};

inline constexpr expr<constant_op<constants::pi>, no_label> pi{};
inline constexpr expr<constant_op<constants::sqrt_2_over_pi>, no_label> sqrt_2_over_pi{};

} // namespace typegrad
