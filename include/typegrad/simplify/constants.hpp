// SPDX-License-Identifier: MIT
// Exact arithmetic on literals, and the predicates the rewrite rules ask of a
// node (is it 0, is it 1), shared by every rule that folds constants.
#pragma once

#include <typegrad/expr/literals.hpp>
#include <typegrad/expr/node.hpp>

namespace typegrad::detail {

// Exact, and an overflow is a typegrad: diagnostic naming both literals (expr/literals.hpp).
template <class A, class B>
using lit_sum = literal_sum<A, B>;
template <class A, class B>
using lit_diff = literal_difference<A, B>;
template <class A, class B>
using lit_prod = literal_product<A, B>;
template <class A, class B>
using lit_quot = literal_quotient<A, B>;

template <class T>
struct is_zero : is_literal_value<T, 0> {};
template <class T>
struct is_one : is_literal_value<T, 1> {};

} // namespace typegrad::detail
