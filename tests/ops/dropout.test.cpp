// SPDX-License-Identifier: MIT
// dropout(x, mask): the mask generator is seeded, keeps the expected value and is all
// ones at rate 0 (evaluation); the derived adjoint is G ⊙ mask.
#include <typegrad/ops/dropout.hpp>

#include <support/finite_differences.hpp>

namespace tg = typegrad;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto mask = tg::var<"mask">;
constexpr auto w = tg::var<"w">;
} // namespace

TEST_CASE("dropout masks are seeded, zero at the given rate and scaled by 1/(1 − rate)") {
    xt::xtensor<float, 2> a = xt::zeros<float>({std::size_t(100), std::size_t(100)}), b = a;
    std::mt19937_64 r1(5), r2(5);
    tg::dropout_mask(a, 0.25, r1);
    tg::dropout_mask(b, 0.25, r2);
    CHECK(a == b);
    std::size_t zeros = 0;
    for (float v : a) {
        CHECK((v == 0.0f || v == doctest::Approx(1 / 0.75)));
        zeros += v == 0.0f;
    }
    // 10 000 Bernoulli(0.25) draws: the count is 2500 ± 43 (1σ); 5σ bounds
    CHECK(zeros > 2500 - 217);
    CHECK(zeros < 2500 + 217);
    tg::dropout_mask(a, 0.0, r1);
    CHECK(a == xt::ones<float>(a.shape()));
}

TEST_CASE("the adjoint of dropout is the upstream gradient times the mask") {
    constexpr auto f = tg::sum(w * tg::dropout(x, mask));
    xt::xtensor<double, 2> X = tg::testing::random_matrix(3, 4, -1, 1, 1), W = tg::testing::random_matrix(3, 4, -1, 1, 2);
    xt::xtensor<double, 2> M = {{0, 2, 2, 0}, {2, 2, 0, 2}, {0, 0, 2, 2}};
    auto g = tg::eval(tg::grad(f, x), tg::values(x = X, mask = M, w = W));
    CHECK(xt::amax(xt::abs(g[x] - W * M))() == 0);
}
