// SPDX-License-Identifier: MIT
// Exact arithmetic on literals, and the predicates the rewrite rules ask of a
// node (is it 0, is it 1), shared by every rule that folds constants.
#pragma once

#include <typegrad/expr/node.hpp>

namespace typegrad::detail {

template <class A, class B>
using lit_sum = rational<A::num * B::den + B::num * A::den, A::den * B::den>;
template <class A, class B>
using lit_diff = rational<A::num * B::den - B::num * A::den, A::den * B::den>;
template <class A, class B>
using lit_prod = rational<A::num * B::num, A::den * B::den>;
template <class A, class B>
using lit_quot = rational<A::num * B::den, A::den * B::num>;

template <class T>
inline constexpr bool is_zero_v = is_literal_value_v<T, 0>;
template <class T>
inline constexpr bool is_one_v = is_literal_value_v<T, 1>;

} // namespace typegrad::detail
