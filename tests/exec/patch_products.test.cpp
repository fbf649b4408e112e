// SPDX-License-Identifier: MIT
// A convolution with few output channels, known at compile time, runs its two
// products with the patch matrix, K patches(x) and δ patches(x)ᵀ, from the images
// in place (exec/patch_products.hpp): the schedule gives patches(x) no buffer, and
// the values and gradients are the im2col path's (the same network with K of
// dynamic shape, which keeps the buffer and BLAS) to rounding, in double and float,
// through every register tile and tail of the kernels; the gradient matches
// central differences; and the results do not depend on the thread count.
#include <cstring>

#include <doctest/doctest.h>

#include <support/finite_differences.hpp>
#include <typegrad/exec/threads.hpp>

namespace tg = typegrad;
using tg::testing::random_matrix;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto K = tg::var<"K">; // dynamic shape: the im2col path
constexpr auto b = tg::col<"b">;
constexpr auto w = tg::var<"w">;

template <class Win, tg::dim Cout>
constexpr auto K_static = tg::var<"K", Cout, Win::patch_rows>;

// f = Σ w ⊙ conv(K, b, x)²: its gradient needs K patches(x) forward and δ patches(x)ᵀ back.
template <class Win, class Kernel>
constexpr auto loss(Kernel k) {
    return tg::sum(w * tg::square(tg::conv2d<Win>(k, b, x)));
}

template <class Win, tg::dim Cout>
constexpr bool patches_read_in_place() {
    constexpr auto g = tg::grad(loss<Win>(K_static<Win, Cout>), K_static<Win, Cout>, b);
    using prog = tg::program<double, decltype(loss<Win>(K_static<Win, Cout>)),
                             tg::meta::at<typename decltype(g)::adjoints, 0>, tg::meta::at<typename decltype(g)::adjoints, 1>>;
    return prog::plan.read_in_place[prog::tables::template id<decltype(tg::patches<Win>(x))>];
}

// max |a − c| / max |c|
template <class T>
double relative_difference(const xt::xtensor<T, 2>& a, const xt::xtensor<double, 2>& c) {
    REQUIRE(a.shape() == c.shape());
    double diff = 0, scale = 1e-300;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a.data()[i]) - c.data()[i]));
        scale = std::max(scale, std::abs(c.data()[i]));
    }
    return diff / scale;
}

// The in-place gradient (in T) against the im2col path's (in double), both for the
// same values: each entry of ∂K sums P·B terms, each of z sums C·k·k, so the two
// orders of summation differ by at most about that many roundings of the largest
// term; 2·(P·B + C·k·k)·ε(T) relative to the largest entry bounds it.
template <class Win, tg::dim Cout, class T>
void check_against_im2col(std::size_t batch, unsigned seed) {
    static_assert(patches_read_in_place<Win, Cout>());
    const auto X = random_matrix(Win::image_rows, batch, -1, 1, seed);
    const auto Kv = random_matrix(std::size_t(Cout), Win::patch_rows, -1, 1, seed + 1);
    const auto B = random_matrix(std::size_t(Cout), 1, -1, 1, seed + 2);
    const auto Wv = random_matrix(std::size_t(Cout) * Win::positions, batch, -1, 1, seed + 3);
    constexpr auto Ks = K_static<Win, Cout>;

    auto expected = tg::eval(tg::grad(loss<Win>(K), K, b, x), tg::values(x = X, K = Kv, b = B, w = Wv));
    const xt::xtensor<T, 2> Xt = xt::cast<T>(X), Kt = xt::cast<T>(Kv), Bt = xt::cast<T>(B), Wt = xt::cast<T>(Wv);
    auto in_place = tg::eval(tg::grad(loss<Win>(Ks), Ks, b, x), tg::values(x = Xt, Ks = Kt, b = Bt, w = Wt));

    const double eps = std::numeric_limits<T>::epsilon();
    const double bound = 2.0 * double(Win::positions * batch + Win::patch_rows) * eps;
    CAPTURE(Cout);
    CAPTURE(batch);
    // The loss sums terms of both signs: its rounding is relative to Σ |w| z², not to |J|.
    const double magnitude = tg::eval(tg::sum(tg::abs(w) * tg::square(tg::conv2d<Win>(K, b, x))),
                                      tg::values(x = X, K = Kv, b = B, w = Wv))(0, 0);
    CHECK(std::abs(double(in_place.value()) - expected.value()) <= bound * magnitude);
    CHECK(relative_difference(in_place[Ks], expected[K]) <= bound);
    CHECK(relative_difference(in_place[b], expected[b]) <= bound);
    CHECK(relative_difference(in_place[x], expected[x]) <= bound);
}

// Batches whose columns end in every way the kernels split them on AVX-512 (16 floats, 8
// doubles a batch): 53 = 2·16 + 16 + 5 in float (a pair of batches, a single one, a
// scalar tail), 45 = 2·(2·8) + 8 + 5 in double. With AVX2 (8 and 4) the double case
// takes the same three paths: 45 = 5·(2·4) + 4 + 1.
template <class Win, tg::dim Cout>
void check_tiles() {
    check_against_im2col<Win, Cout, double>(45, 10 * unsigned(Cout));
    check_against_im2col<Win, Cout, float>(53, 10 * unsigned(Cout) + 5);
}
} // namespace

TEST_CASE("few static output channels: the products read the images in place, dynamic or many channels keep patches(x)") {
    using lenet_conv1 = tg::window<1, 28, 28, 5, 1, 2>;
    using lenet_conv2 = tg::window<6, 14, 14, 5>;
    static_assert(patches_read_in_place<lenet_conv1, 6>());
    static_assert(patches_read_in_place<lenet_conv2, 16>());
    static_assert(patches_read_in_place<lenet_conv1, tg::patch_products::max_channels>());
    static_assert(!patches_read_in_place<lenet_conv1, tg::patch_products::max_channels + 1>());
    // Any other reader needs the matrix itself: an elementwise op, a product with the
    // patches on the left or with a transposed left operand, or the patches as an output.
    constexpr auto G = tg::var<"G">;
    using P = decltype(tg::patches<lenet_conv1>(x));
    using Z = decltype(tg::matmul(K_static<lenet_conv1, 6>, P{}));
    using elementwise = tg::program<double, Z, decltype(tg::sum(P{} * G))>;
    static_assert(elementwise::plan.materialized[elementwise::tables::id<P>]);
    using left = tg::program<double, Z, decltype(tg::matmul(P{}, G))>;
    static_assert(left::plan.materialized[left::tables::id<P>]);
    constexpr auto V = tg::var<"V", lenet_conv1::patch_rows, 6>;
    using transposed_left = tg::program<double, Z, decltype(tg::matmul(tg::transpose(V), P{}))>;
    static_assert(transposed_left::plan.materialized[transposed_left::tables::id<P>]);
    using output = tg::program<double, Z, P>;
    static_assert(output::plan.materialized[output::tables::id<P>]);
    using alone = tg::program<double, Z>;
    static_assert(alone::plan.read_in_place[alone::tables::id<P>]);
    // K of dynamic shape: the rows are unknown at compile time, so the schedule keeps BLAS.
    constexpr auto g = tg::grad(loss<lenet_conv1>(K), K, b);
    using prog = tg::program<double, tg::meta::at<typename decltype(g)::adjoints, 0>>;
    static_assert(prog::plan.materialized[prog::tables::id<decltype(tg::patches<lenet_conv1>(x))>]);
}

TEST_CASE("in place, a convolution's loss and gradients equal the im2col path's to rounding") {
    using padded = tg::window<2, 7, 6, 3, 1, 1>;   // two channels, zero padding
    using strided = tg::window<1, 9, 8, 5, 2, 2>;  // stride 2, padding 2, 5×5
    check_tiles<padded, 1>();
    check_tiles<padded, 3>();
    check_tiles<padded, 7>();
    check_tiles<padded, 11>(); // a full tile of channels and the rest
    check_tiles<strided, tg::patch_products::max_channels>();
    check_tiles<strided, 2>();
}

TEST_CASE("in place, a convolution's gradient matches central differences") {
    using win = tg::window<2, 5, 4, 3, 2, 1>;
    constexpr auto Ks = K_static<win, 3>;
    static_assert(patches_read_in_place<win, 3>());
    auto X = random_matrix(win::image_rows, 3, -1, 1, 41);
    auto Kv = random_matrix(3, win::patch_rows, -1, 1, 42);
    auto B = random_matrix(3, 1, -1, 1, 43);
    auto Wv = random_matrix(3 * win::positions, 3, -1, 1, 44);
    auto v = tg::values(x = X, Ks = Kv, b = B, w = Wv);
    tg::testing::check_gradient(loss<win>(Ks), v, std::tuple{Ks, b, x}, std::tie(Kv, B, X));
}

TEST_CASE("in place, one and two threads give the same bits") {
    using win = tg::window<1, 28, 28, 5, 1, 2>; // 784 positions: large enough to split
    constexpr auto Ks = K_static<win, 6>;
    const auto X = random_matrix(win::image_rows, 32, 0, 1, 51);
    const auto Kv = random_matrix(6, win::patch_rows, -1, 1, 52);
    const auto B = random_matrix(6, 1, -1, 1, 53);
    const auto Wv = random_matrix(6 * win::positions, 32, -1, 1, 54);
    const auto v = tg::values(x = X, Ks = Kv, b = B, w = Wv);
    auto step = tg::compile<double>(tg::grad(loss<win>(Ks), Ks));
    tg::set_threads(1);
    step.run(v);
    const xt::xtensor<double, 2> one = step[Ks];
    tg::set_threads(2);
    step.run(v);
    const xt::xtensor<double, 2> two = step[Ks];
    tg::set_threads(1);
    CHECK(std::memcmp(one.data(), two.data(), one.size() * sizeof(double)) == 0);
}
