// SPDX-License-Identifier: MIT
// max_pool2d and avg_pool2d: forward values equal direct loops; derived gradients
// (first and second order) equal central differences; max-pooling's backward pass
// reads the argmax node its forward pass computed.
#include <typegrad/ops/pool.hpp>

#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto w = tg::var<"w">;

// Max (or mean) of each k×k window, stride s, per channel and example.
template <class Win, bool Max>
xt::xtensor<double, 2> direct_pool(const xt::xtensor<double, 2>& images) {
    const std::size_t batch = images.shape(1);
    xt::xtensor<double, 2> out = xt::zeros<double>({std::size_t(Win::channels * Win::positions), batch});
    for (std::size_t n = 0; n < batch; ++n)
        for (long c = 0; c < Win::channels; ++c)
            for (long oh = 0; oh < Win::out_height; ++oh)
                for (long ow = 0; ow < Win::out_width; ++ow) {
                    double acc = Max ? -1e300 : 0;
                    for (long i = 0; i < Win::size; ++i)
                        for (long j = 0; j < Win::size; ++j) {
                            const double v = images(std::size_t((c * Win::height + oh * Win::stride + i) * Win::width +
                                                                ow * Win::stride + j), n);
                            acc = Max ? std::max(acc, v) : acc + v / double(Win::size * Win::size);
                        }
                    out(std::size_t((c * Win::out_height + oh) * Win::out_width + ow), n) = acc;
                }
    return out;
}

template <class Win>
void check_pooling(std::size_t batch, unsigned seed) {
    auto X = random_matrix(Win::image_rows, batch, -1, 1, seed);
    auto Wv = random_matrix(Win::channels * Win::positions, batch, -1, 1, seed + 1);
    auto v = tg::values(x = X, w = Wv);
    CHECK(xt::amax(xt::abs(tg::eval(tg::max_pool<Win>(x), v) - direct_pool<Win, true>(X)))() == 0);
    CHECK(xt::amax(xt::abs(tg::eval(tg::avg_pool<Win>(x), v) - direct_pool<Win, false>(X)))() <= 1e-15);
    check_gradient(tg::sum(w * tg::max_pool<Win>(x)), v, std::tuple{x}, std::tie(X));
    check_gradient(tg::sum(w * tg::square(tg::max_pool<Win>(x))), v, std::tuple{x}, std::tie(X));
    check_gradient(tg::sum(w * tg::square(tg::avg_pool<Win>(x))), v, std::tuple{x}, std::tie(X));
}
} // namespace

TEST_CASE("max and average pooling equal direct loops and their gradients match finite differences") {
    check_pooling<tg::window<2, 4, 6, 2, 2>>(3, 1);  // the usual 2×2, stride 2
    check_pooling<tg::window<1, 5, 5, 3, 2>>(2, 2);  // overlapping windows: a pixel in several
    check_pooling<tg::window<3, 6, 4, 2, 1>>(1, 3);  // stride 1
}

TEST_CASE("second derivatives through pooling match finite differences") {
    using win = tg::window<2, 4, 4, 2, 1>;
    constexpr auto V = tg::var<"V">;
    auto X = random_matrix(win::image_rows, 2, -1, 1, 21);
    auto Wv = random_matrix(win::channels * win::positions, 2, -1, 1, 22);
    auto Vx = random_matrix(win::image_rows, 2, -1, 1, 23);
    auto v = tg::values(x = X, w = Wv, V = Vx);
    constexpr auto fmax = tg::sum(w * tg::square(tg::max_pool<win>(x)));
    constexpr auto favg = tg::sum(w * tg::square(tg::avg_pool<win>(x)));
    check_gradient(tg::sum(V * tg::grad(fmax, x)[x]), v, std::tuple{x}, std::tie(X));
    check_gradient(tg::sum(V * tg::grad(favg, x)[x]), v, std::tuple{x}, std::tie(X));
}

TEST_CASE("max-pooling's backward pass scatters at the argmax its forward pass found") {
    using win = tg::window<1, 4, 4, 2, 2>;
    constexpr auto pooled = tg::max_pool<win>(x);
    constexpr auto argmax = tg::operand<1>(pooled);
    static_assert(std::is_same_v<decltype(argmax), const tg::expr<tg::pool_argmax_op<win>, tg::no_label,
                                                                   std::remove_const_t<decltype(x)>>>);
    // ∂/∂x Σ(w ⊙ maxpool(x)) = unpool(w, argmax(x)): the same argmax node, not a second search
    static_assert(std::is_same_v<decltype(tg::adjoint(tg::sum(w * pooled), x)),
                                 tg::expr<tg::max_unpool_op<win>, tg::no_label, std::remove_const_t<decltype(w)>,
                                          std::remove_const_t<decltype(argmax)>>>);
    xt::xtensor<double, 2> X = {{1}, {9}, {2}, {3}, {4}, {0}, {5}, {8}, {7}, {6}, {-1}, {-2}, {3}, {2}, {1}, {0}};
    xt::xtensor<double, 2> Wv = {{10}, {20}, {30}, {40}};
    auto g = tg::eval(tg::grad(tg::sum(w * pooled), x), tg::values(x = X, w = Wv));
    // windows: {1, 9, 4, 0} → 9 at row 1; {2, 3, 5, 8} → 8 at 7; {7, 6, 3, 2} → 7 at 8; {-1, -2, 1, 0} → 1 at 14
    xt::xtensor<double, 2> expected = {{0}, {10}, {0}, {0}, {0}, {0}, {0}, {20}, {30}, {0}, {0}, {0}, {0}, {0}, {40}, {0}};
    CHECK(g[x] == expected);
}
