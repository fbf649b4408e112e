// SPDX-License-Identifier: MIT
// The compile-cost probe for convolutional networks: LeNet-5's gradient derived,
// compiled into a float program and run on bound values (as mlp_gradient.cpp does for
// MLPs); with TYPEGRAD_DERIVE_ONLY, the derivation alone. Measured under
// /usr/bin/time -v at -O2 (README, compile-cost table).
#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;
using model = tg::nn::classifier<tg::nn::lenet5>;

int main() {
#ifdef TYPEGRAD_DERIVE_ONLY
    return int(sizeof(model::gradient)) - 1;
#else
    std::array<xt::xtensor<float, 2>, 10> p;
    for (std::size_t i = 0; i < 10; ++i) p[i] = xt::zeros<float>({tg::nn::lenet5_shapes[i][0], tg::nn::lenet5_shapes[i][1]});
    xt::xtensor<float, 2> x = xt::ones<float>({784, 2}), y = xt::zeros<float>({10, 2});
    auto values = [&]<class... P, std::size_t... I>(tg::meta::type_list<P...>, std::index_sequence<I...>) {
        return tg::values(model::x = x, model::y = y, (P{} = p[I])...);
    }(model::parameters{}, std::make_index_sequence<10>{});
    auto step = tg::compile<float>(model::gradient);
    step.run(values);
    return step.value() > 0 ? 0 : 1;
#endif
}
