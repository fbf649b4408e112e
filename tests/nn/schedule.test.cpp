// SPDX-License-Identifier: MIT
// Learning-rate schedules: cosine annealing gives PyTorch's CosineAnnealingLR rates
// epoch by epoch, a constant schedule the base rate; with_learning_rate changes the
// rate of an optimiser (or a run-time choice of one) and nothing else.
#include <typegrad/nn/schedule.hpp>

#include <doctest/doctest.h>

#include <array>
#include <stdexcept>

namespace nn = typegrad::nn;

TEST_CASE("cosine annealing gives CosineAnnealingLR's rates, from the base rate down towards 0") {
    // torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=10) with lr=1e-3, after each
    // epoch's scheduler.step(): the rate of epochs 0..9, as PyTorch 1.13 printed them
    // (it computes them by a recurrence, hence agreement to 1e-12, not to the last bit).
    constexpr std::array<double, 10> torch = {0.001,
                                              0.0009755282581475768,
                                              0.0009045084971874736,
                                              0.0007938926261462366,
                                              0.0006545084971874737,
                                              0.0005,
                                              0.00034549150281252633,
                                              0.0002061073738537635,
                                              9.549150281252634e-05,
                                              2.4471741852423235e-05};
    for (std::size_t e = 0; e < torch.size(); ++e) {
        CAPTURE(e);
        CHECK(nn::learning_rate(nn::lr_schedule::cosine, 1e-3, e, 10) == doctest::Approx(torch[e]).epsilon(1e-12));
        CHECK(nn::learning_rate(nn::lr_schedule::constant, 1e-3, e, 10) == 1e-3);
    }
    // The first epoch runs at the base rate whatever the length: a one-epoch run resumed
    // for more epochs has trained its first epoch as the longer run does.
    CHECK(nn::learning_rate(nn::lr_schedule::cosine, 0.05, 0, 1) == 0.05);
    CHECK(nn::learning_rate(nn::lr_schedule::cosine, 0.05, 0, 7) == 0.05);
    CHECK_THROWS_AS(nn::learning_rate(nn::lr_schedule::cosine, 1e-3, 10, 10), std::invalid_argument);
}

TEST_CASE("with_learning_rate sets the rate and keeps every other hyper-parameter") {
    const nn::adam<float> adam({.lr = 1e-3, .beta1 = 0.8, .beta2 = 0.99, .eps = 1e-7, .weight_decay = 0.01});
    const auto a = nn::with_learning_rate(adam, 2.5e-4).hyper_parameters();
    CHECK(a.lr == 2.5e-4);
    CHECK(a.beta1 == 0.8);
    CHECK(a.beta2 == 0.99);
    CHECK(a.eps == 1e-7);
    CHECK(a.weight_decay == 0.01);

    const nn::any_optimiser<float> sgd = nn::sgd<float>({.lr = 0.1, .momentum = 0.9, .weight_decay = 1e-4});
    const auto changed = nn::with_learning_rate(sgd, 0.025);
    REQUIRE(std::holds_alternative<nn::sgd<float>>(changed));
    const auto s = std::get<nn::sgd<float>>(changed).hyper_parameters();
    CHECK(s.lr == 0.025);
    CHECK(s.momentum == 0.9);
    CHECK(s.weight_decay == 1e-4);

    CHECK_THROWS_AS(nn::with_learning_rate(adam, -1.0), nn::optimiser_error);
}
