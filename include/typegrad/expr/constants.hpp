// SPDX-License-Identifier: MIT
// Numbers written beside nodes: `1 - a`, `a / 2`, `100.0 * x`, `pow(a, 3)`.
// A constant of the graph is part of its type (an exact literal, so that the
// derivation can fold and cancel it). A plain C++ number is a run-time value even
// when written as `2`: no operator can turn its value into a type. So
// - a compile-time constant that carries its value in its type works as the literal
//   it stands for: std::integral_constant<int, 2>{} (and Boost.Hana's int_c<2>, or
//   anything with an integral static `value`), std::ratio<1, 2>{};
// - a plain int or double is refused with one `typegrad:` message showing the
//   spellings that work: 1_c, 0.5_c, lit<1>, lit<1, 2>, or, for a value known only
//   at run time, a scalar<"name"> symbol bound in values(...).
#pragma once

#include <type_traits>

#include <typegrad/expr/literals.hpp>
#include <typegrad/expr/node.hpp>

namespace typegrad {

// An empty type whose integral value is a static member: std::integral_constant,
// boost::hana::integral_constant. bool constants are left out (true - a reads badly).
template <class C>
concept integral_constant_like =
    !node<C> && std::is_empty<C>::value && requires { C::value; } &&
    std::is_integral_v<std::remove_cv_t<decltype(C::value)>> && !std::is_same<std::remove_cv_t<decltype(C::value)>, bool>::value;

// An empty type with static num and den: std::ratio.
template <class C>
concept ratio_like = !node<C> && std::is_empty<C>::value && requires { C::num; C::den; };

template <class C>
concept compile_time_constant = integral_constant_like<std::remove_cvref_t<C>> || ratio_like<std::remove_cvref_t<C>>;

template <class N>
concept plain_number = std::is_arithmetic<std::remove_cvref_t<N>>::value;

// The literal a compile-time constant stands for.
template <compile_time_constant C>
constexpr auto as_literal(C) {
    using D = std::remove_cvref_t<C>;
    if constexpr (integral_constant_like<D>) return rational<static_cast<long long>(D::value)>{};
    else return rational<static_cast<long long>(D::num), static_cast<long long>(D::den)>{};
}

// Instantiated for a plain number beside a node: the message shows what to write.
template <class Number>
struct plain_number_in_expression {
    static_assert(sizeof(Number) == 0,
                  "typegrad: a plain C++ number beside a node has no compile-time value, and typegrad's "
                  "constants are exact and part of the expression's type; write 1_c, 0.5_c, 1e-4_c (using "
                  "namespace typegrad::literals), tg::lit<1> or tg::lit<1, 2> (or std::integral_constant<int, "
                  "1>{}); a number known only at run time is a symbol, tg::scalar<\"lam\">, bound in "
                  "values(..., lam = 0.01)");
};

// The four operators with a constant or a plain number on either side. Each forwards
// to the node operator (found by argument-dependent lookup when instantiated).
#define TYPEGRAD_CONSTANT_OPERATOR(op)                                                                     \
    template <compile_time_constant C, node A>                                                            \
    constexpr auto operator op(C c, A a) {                                                                \
        return as_literal(c) op a;                                                                        \
    }                                                                                                     \
    template <node A, compile_time_constant C>                                                            \
    constexpr auto operator op(A a, C c) {                                                                \
        return a op as_literal(c);                                                                        \
    }                                                                                                     \
    template <plain_number N, node A>                                                                     \
    constexpr auto operator op(N, A a) {                                                                  \
        (void)sizeof(plain_number_in_expression<N>);                                                      \
        return a;                                                                                         \
    }                                                                                                     \
    template <node A, plain_number N>                                                                     \
    constexpr auto operator op(A a, N) {                                                                  \
        (void)sizeof(plain_number_in_expression<N>);                                                      \
        return a;                                                                                         \
    }
TYPEGRAD_CONSTANT_OPERATOR(+)
TYPEGRAD_CONSTANT_OPERATOR(-)
TYPEGRAD_CONSTANT_OPERATOR(*)
TYPEGRAD_CONSTANT_OPERATOR(/)
#undef TYPEGRAD_CONSTANT_OPERATOR

// pow(a, 3) likewise: the exponent is a literal (pow(a, 3_c)), which pow's rule needs exactly.
template <node A, compile_time_constant C>
constexpr auto pow(A a, C c) {
    return pow(a, as_literal(c));
}
template <node A, plain_number N>
constexpr auto pow(A a, N) {
    (void)sizeof(plain_number_in_expression<N>);
    return a;
}

} // namespace typegrad
