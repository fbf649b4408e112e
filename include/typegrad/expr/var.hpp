// SPDX-License-Identifier: MIT
// Declaring symbols: names are compile-time strings; dimensions are optional.
#pragma once

#include <typegrad/expr/node.hpp>

namespace typegrad {

// var<"W1"> is a matrix whose shape the bound value decides; var<"W1", 25, 400>
// fixes it, and a mismatch with another static shape fails to compile.
template <fixed_string Name, dim Rows = dyn, dim Cols = dyn>
inline constexpr symbol<Name, Rows, Cols> var{};

// A column vector, broadcast across the batch: the bias of a layer.
template <fixed_string Name, dim Rows = dyn>
inline constexpr symbol<Name, Rows, 1> col{};

// A row vector, broadcast down the rows.
template <fixed_string Name, dim Cols = dyn>
inline constexpr symbol<Name, 1, Cols> row{};

// A scalar: a 1×1 value, broadcast against anything.
template <fixed_string Name>
inline constexpr symbol<Name, 1, 1> scalar{};

} // namespace typegrad
