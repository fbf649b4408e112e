// SPDX-License-Identifier: MIT
// The compile-cost probe: the gradient of an MLP with TYPEGRAD_DEPTH weight layers
// (TYPEGRAD_DEPTH − 1 hidden layers), derived, compiled into a program and run on
// bound values, so every part a user pays for is instantiated; with
// TYPEGRAD_DERIVE_ONLY, the derivation alone.
#include <typegrad/nn/model.hpp>
#include <typegrad/typegrad.hpp>

#ifndef TYPEGRAD_DEPTH
#define TYPEGRAD_DEPTH 11
#endif

namespace tg = typegrad;

constexpr std::size_t depth = TYPEGRAD_DEPTH;
constexpr auto dJ = tg::nn::mlp<depth, tg::nn::activation::sigmoid, tg::nn::head::sigmoid_bce>::gradient;

int main() {
#ifdef TYPEGRAD_DERIVE_ONLY
    return int(sizeof(dJ)) - 1;
#else
    // Every layer 4 wide, a batch of 3: the values do not matter, the instantiations do.
    std::vector<xt::xtensor<float, 2>> W(depth, xt::ones<float>({4, 4})), b(depth, xt::zeros<float>({4, 1}));
    xt::xtensor<float, 2> x = xt::ones<float>({4, 3}), y = xt::zeros<float>({4, 3});
    auto values = [&]<std::size_t... L>(std::index_sequence<L...>) {
        return tg::values(tg::var<"x"> = x, tg::var<"y"> = y, (tg::nn::fc<L + 1>::W = W[L])...,
                          (tg::nn::fc<L + 1>::b = b[L])...);
    }(std::make_index_sequence<depth>{});
    auto step = tg::compile<float>(dJ);
    step.run(values);
    return step.value() > 0 ? 0 : 1;
#endif
}
