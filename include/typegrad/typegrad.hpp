// SPDX-License-Identifier: MIT
// typegrad: a network is a C++ expression, the expression is a type, and the
// compiler derives the backward pass. One include for users.
#pragma once

#include <typegrad/expr/node.hpp>
#include <typegrad/expr/var.hpp>

#include <typegrad/ops/activations.hpp>
#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/broadcast.hpp>
#include <typegrad/ops/functions.hpp>
#include <typegrad/ops/label.hpp>
#include <typegrad/ops/losses.hpp>
#include <typegrad/ops/matmul.hpp>
#include <typegrad/ops/reduce.hpp>
#include <typegrad/ops/softmax.hpp>

#include <typegrad/ops/compare.hpp>
#include <typegrad/ops/concat.hpp>
#include <typegrad/ops/constants.hpp>
#include <typegrad/ops/extrema.hpp>
#include <typegrad/ops/gelu.hpp>
#include <typegrad/ops/log1p.hpp>
#include <typegrad/ops/logsumexp.hpp>
#include <typegrad/ops/piecewise.hpp>
#include <typegrad/ops/prod.hpp>
#include <typegrad/ops/reshape.hpp>
#include <typegrad/ops/slice.hpp>

#include <typegrad/ops/conv.hpp>
#include <typegrad/ops/dropout.hpp>
#include <typegrad/ops/pool.hpp>

#include <typegrad/ad/grad.hpp>

#include <typegrad/exec/eval.hpp>
#include <typegrad/exec/values.hpp>

#include <typegrad/print/formula.hpp>
