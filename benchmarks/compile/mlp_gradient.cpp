// SPDX-License-Identifier: MIT
// The compile-cost probe: the gradient of an MLP with TYPEGRAD_DEPTH weight layers,
// derived (and, unless TYPEGRAD_DERIVE_ONLY, compiled into a program and run once),
// so the report can time the compiler against depth.
#include <typegrad/nn/mlp.hpp>
#include <typegrad/typegrad.hpp>

#ifndef TYPEGRAD_DEPTH
#define TYPEGRAD_DEPTH 10
#endif

namespace tg = typegrad;
using tg::nn::hidden_activation;
using tg::nn::output_head;

constexpr auto dJ = tg::nn::mlp_gradient<TYPEGRAD_DEPTH, hidden_activation::sigmoid, output_head::sigmoid_bce>();

int main() {
#ifdef TYPEGRAD_DERIVE_ONLY
    return int(sizeof(dJ)) - 1;
#else
    auto step = tg::compile<float>(dJ);
    return int(sizeof(step)) == 0;
#endif
}
