// SPDX-License-Identifier: MIT
// conv2d, patches/unpatch and the layout ops: the forward pass equals a direct
// convolution written as nested loops; patches and unpatch are each other's
// adjoint; derived gradients (first and second order) equal central differences;
// the derived adjoints are the matmul adjoints over patches, δ patches(x)ᵀ and
// unpatch(Kᵀ δ); the layout ops relabel buffers rather than copy them.
#include <typegrad/ops/conv.hpp>

#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto K = tg::var<"K">;
constexpr auto b = tg::col<"b">;
constexpr auto w = tg::var<"w">;

// out(o·P + oh·OW + ow, n) = b(o) + Σ_c,i,j K(o, c·k² + i·k + j) · x(c·H·W + ih·W + iw, n)
template <class Win>
xt::xtensor<double, 2> direct_convolution(const xt::xtensor<double, 2>& kernel, const xt::xtensor<double, 2>& bias,
                                          const xt::xtensor<double, 2>& images) {
    const std::size_t cout = kernel.shape(0), batch = images.shape(1);
    xt::xtensor<double, 2> out = xt::zeros<double>({cout * Win::positions, batch});
    for (std::size_t n = 0; n < batch; ++n)
        for (std::size_t o = 0; o < cout; ++o)
            for (long oh = 0; oh < Win::out_height; ++oh)
                for (long ow = 0; ow < Win::out_width; ++ow) {
                    double acc = bias(o, 0);
                    for (long c = 0; c < Win::channels; ++c)
                        for (long i = 0; i < Win::size; ++i)
                            for (long j = 0; j < Win::size; ++j) {
                                const long ih = oh * Win::stride + i - Win::pad, iw = ow * Win::stride + j - Win::pad;
                                if (ih < 0 || ih >= Win::height || iw < 0 || iw >= Win::width) continue;
                                acc += kernel(o, std::size_t((c * Win::size + i) * Win::size + j)) *
                                       images(std::size_t((c * Win::height + ih) * Win::width + iw), n);
                            }
                    out(o * Win::positions + std::size_t(oh * Win::out_width + ow), n) = acc;
                }
    return out;
}

template <class Win>
void check_convolution(std::size_t cout, std::size_t batch, unsigned seed) {
    auto X = random_matrix(Win::image_rows, batch, -1, 1, seed);
    auto Kv = random_matrix(cout, Win::patch_rows, -1, 1, seed + 1);
    auto B = random_matrix(cout, 1, -1, 1, seed + 2);
    auto Wv = random_matrix(cout * Win::positions, batch, -1, 1, seed + 3);
    auto v = tg::values(x = X, K = Kv, b = B, w = Wv);

    const auto out = tg::eval(tg::conv2d<Win>(K, b, x), v);
    const auto expected = direct_convolution<Win>(Kv, B, X);
    REQUIRE(out.shape(0) == expected.shape(0));
    REQUIRE(out.shape(1) == expected.shape(1));
    CHECK(xt::amax(xt::abs(out - expected))() <= 1e-12);

    check_gradient(tg::sum(w * tg::conv2d<Win>(K, b, x)), v, std::tuple{K, b, x}, std::tie(Kv, B, X));
    check_gradient(tg::sum(w * tg::square(tg::conv2d<Win>(K, b, x))), v, std::tuple{K, b, x}, std::tie(Kv, B, X));
}
} // namespace

TEST_CASE("conv2d equals a direct convolution and its gradients match finite differences") {
    check_convolution<tg::window<2, 5, 4, 3, 1, 1>>(3, 2, 1); // padded, same size out
    check_convolution<tg::window<1, 7, 6, 3, 2, 0>>(2, 3, 2); // strided, no padding
    check_convolution<tg::window<3, 6, 6, 2, 2, 2>>(2, 1, 3); // padding wider than the overlap
}

TEST_CASE("patches and unpatch are each other's adjoint: <patches(x), G> = <x, unpatch(G)>") {
    using win = tg::window<2, 5, 5, 3, 2, 1>;
    constexpr auto G = tg::var<"G">;
    const std::size_t batch = 3;
    auto X = random_matrix(win::image_rows, batch, -1, 1, 7);
    auto Gv = random_matrix(win::patch_rows, win::positions * batch, -1, 1, 8);
    auto v = tg::values(x = X, G = Gv);
    const double left = tg::eval(tg::sum(tg::patches<win>(x) * G), v)(0, 0);
    const double right = tg::eval(tg::sum(x * tg::unpatch<win>(G)), v)(0, 0);
    CHECK(left == doctest::Approx(right).epsilon(1e-13));
}

TEST_CASE("second derivatives through a convolution match finite differences") {
    using win = tg::window<2, 4, 4, 3, 1, 1>;
    constexpr auto V = tg::var<"V">;
    constexpr auto f = tg::sum(w * tg::square(tg::conv2d<win>(K, b, x)));
    auto X = random_matrix(win::image_rows, 2, -1, 1, 11);
    auto Kv = random_matrix(3, win::patch_rows, -1, 1, 12);
    auto B = random_matrix(3, 1, -1, 1, 13);
    auto Wv = random_matrix(3 * win::positions, 2, -1, 1, 14);
    auto Vk = random_matrix(3, win::patch_rows, -1, 1, 15);
    auto Vx = random_matrix(win::image_rows, 2, -1, 1, 16);
    {
        auto v = tg::values(x = X, K = Kv, b = B, w = Wv, V = Vk);
        check_gradient(tg::sum(V * tg::grad(f, K)[K]), v, std::tuple{K, x}, std::tie(Kv, X));
    }
    {
        auto v = tg::values(x = X, K = Kv, b = B, w = Wv, V = Vx);
        check_gradient(tg::sum(V * tg::grad(f, x)[x]), v, std::tuple{K, x}, std::tie(Kv, X));
    }
}

// Σ conv2d and s ⊙ conv2d pass a 1×1 adjoint back, standing for its broadcast; the
// relabelling to positions must expand it rather than split its one column into P.
// Found by the random graphs (issue 12): Σ(−conv2d(...)) did not compile.
TEST_CASE("a broadcast adjoint reaches a convolution: Σ conv2d and s ⊙ conv2d, first and second order") {
    using win = tg::window<1, 4, 4, 3, 1, 1>; // P = 16
    constexpr auto s = tg::scalar<"s">;
    constexpr auto V = tg::var<"V">;
    auto X = random_matrix(win::image_rows, 2, -1, 1, 31);
    auto Kv = random_matrix(2, win::patch_rows, -1, 1, 32);
    auto B = random_matrix(2, 1, -1, 1, 33);
    auto S = random_matrix(1, 1, 0.5, 1.5, 34);
    auto Vk = random_matrix(2, win::patch_rows, -1, 1, 35);
    auto v = tg::values(x = X, K = Kv, b = B, s = S, V = Vk);
    check_gradient(tg::sum(tg::conv2d<win>(K, b, x)), v, std::tuple{K, b, x}, std::tie(Kv, B, X));
    constexpr auto f = tg::sum(s * tg::conv2d<win>(K, b, x));
    check_gradient(f, v, std::tuple{K, b, x, s}, std::tie(Kv, B, X, S));
    check_gradient(tg::sum(V * tg::grad(f, K)[K]), v, std::tuple{x, s}, std::tie(X, S));
}

TEST_CASE("the derived adjoints of a convolution are matmul's, over patches: δ patches(x)ᵀ and unpatch(Kᵀ δ)") {
    using win = tg::window<1, 6, 6, 3, 1, 0>;
    constexpr auto conv = tg::name<"z">(tg::conv2d<win>(K, x));
    constexpr auto f = tg::sum(w * conv);
    constexpr auto delta = tg::positions<win::positions>(w); // δ, read as Cout × (P·B)
    static_assert(std::is_same_v<decltype(tg::adjoint(f, K)),
                                 decltype(tg::matmul(delta, tg::transpose(tg::patches<win>(x))))>);
    static_assert(std::is_same_v<decltype(tg::adjoint(f, x)),
                                 decltype(tg::unpatch<win>(tg::matmul(tg::transpose(K), delta)))>);
    CHECK(tg::to_text(tg::adjoint(f, K)) == "w patches(x)ᵀ");
    CHECK(tg::to_text(tg::adjoint(f, x)) == "unpatch(Kᵀ w)");
}

TEST_CASE("flatten is free: an image batch already is a feature matrix") {
    static_assert(std::is_same_v<decltype(tg::flatten(x)), std::remove_const_t<decltype(x)>>);
}

TEST_CASE("conv2d names the op and both row counts when an image has the wrong size") {
    using win = tg::window<1, 4, 4, 3>;
    xt::xtensor<double, 2> X = xt::zeros<double>({std::size_t(15), std::size_t(2)});
    xt::xtensor<double, 2> Kv = xt::zeros<double>({std::size_t(2), std::size_t(9)});
    CHECK_THROWS_WITH_AS(tg::eval(tg::conv2d<win>(K, x), tg::values(x = X, K = Kv)),
                         doctest::Contains("shape mismatch in patches: patches(x) has operands x of shapes 15×2"),
                         tg::shape_error);
}

TEST_CASE("features and positions move no value: a fused loop reads through them, a buffer only they read is taken over") {
    using win = tg::window<1, 4, 4, 3>; // P = 4 positions
    constexpr tg::dim P = win::positions;
    // relu(conv2d(K, b, x)): the sum K patches(x) + b has a buffer; relu's loop reads it
    // through features, which has none.
    using Z = decltype(tg::conv2d<win>(K, b, x));
    using fwd = tg::program<double, decltype(tg::relu(Z{}))>;
    static_assert(fwd::plan.kind[fwd::tables::id<Z>] == tg::node_kind::view);
    static_assert(!fwd::plan.materialized[fwd::tables::id<Z>]);
    static_assert(fwd::plan.materialized[fwd::tables::id<decltype(tg::matmul(K, tg::patches<win>(x)) + b)>]);

    // v positions(relu(w)): the product needs positions(relu(w)) in a buffer; relu(w) is
    // read by nothing else, so its buffer is handed over, unless relu(w) is an output too.
    constexpr auto v = tg::var<"v">;
    using R = decltype(tg::relu(w));
    using D = decltype(tg::positions<P>(R{}));
    using G = decltype(tg::matmul(v, D{}));
    using prog = tg::program<double, G>;
    static_assert(prog::plan.materialized[prog::tables::id<D>] && prog::plan.takes_operand_buffer[prog::tables::id<D>]);
    using both = tg::program<double, G, R>;
    static_assert(both::plan.materialized[both::tables::id<D>] && !both::plan.takes_operand_buffer[both::tables::id<D>]);

    const std::size_t batch = 3, rows = 2 * std::size_t(P), cols = std::size_t(P) * batch;
    auto W = random_matrix(rows, batch, -1, 1, 21);
    auto V = random_matrix(3, 2, -1, 1, 22);
    xt::xtensor<double, 2> expected = xt::zeros<double>({std::size_t(3), cols});
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < cols; ++j)
            for (std::size_t k = 0; k < 2; ++k) expected(i, j) += V(i, k) * std::max(0.0, W.data()[k * cols + j]);
    prog p;
    both q;
    for (int run = 0; run < 2; ++run) { // the second run starts from the swapped buffers
        p.run(tg::values(v = V, w = W));
        q.run(tg::values(v = V, w = W));
        CHECK(xt::allclose(p[G{}], expected, 1e-14, 0));
        CHECK(xt::allclose(q[G{}], expected, 1e-14, 0));
        CHECK(q[R{}] == xt::maximum(W, 0.0));
    }
}
