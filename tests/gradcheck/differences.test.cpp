// SPDX-License-Identifier: MIT
// The check of a model without a hand-written reference (gradcheck/differences.hpp):
// the kink-aware difference reads the derivative of the base point's piece off J alone,
// a convnet with relu, max-pool and dropout passes on every entry, a wrong gradient fails,
// and units sitting exactly on their kink are checked one-sided instead of left out.
#include <typegrad/gradcheck/differences.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cmath>
#include <string>

#include <support/finite_differences.hpp>
#include <typegrad/nn/conv.hpp>
#include <typegrad/nn/dropout.hpp>
#include <typegrad/nn/optim.hpp>
#include <typegrad/nn/parameter_store.hpp>

namespace {

namespace tg = typegrad;
namespace gc = typegrad::gradcheck;
namespace nn = typegrad::nn;

// A convnet in miniature: 8×8 images, 4 channels of 3×3 kernels, relu, 2×2 max-pooling,
// dropout of a quarter of the 64 features, dense 16 with relu, 3 classes.
using small_convnet = nn::sequential<nn::conv<"conv1", tg::window<1, 8, 8, 3, 1, 1>, 4>, nn::relu_layer,
                                     nn::max_pool_layer<tg::window<4, 8, 8, 2, 2>>, nn::flatten_layer,
                                     nn::dropout_layer<"drop", 64, 25>, nn::dense<"fc1">, nn::relu_layer,
                                     nn::dense<"fc2">>;
struct model : nn::classifier<small_convnet> {};
using store_type = nn::store_for<model, float, nn::sgd<float>>;

constexpr std::size_t batch = 4;

// Uniform weights in ±1/√fan-in and biases in ±0.25 (or 0), from one seed.
void fill(store_type& store, bool zero_biases) {
    using tg::testing::random_matrix;
    const auto weight = [](std::size_t rows, std::size_t cols, unsigned seed) {
        const double r = 1 / std::sqrt(double(cols));
        return xt::xtensor<float, 2>(xt::cast<float>(random_matrix(rows, cols, -r, r, seed)));
    };
    const auto bias = [&](std::size_t rows, unsigned seed) {
        return xt::xtensor<float, 2>(xt::cast<float>(random_matrix(rows, 1, -0.25, 0.25, seed)) *
                                     (zero_biases ? 0.0f : 1.0f));
    };
    using conv1 = nn::conv<"conv1", tg::window<1, 8, 8, 3, 1, 1>, 4>;
    store[conv1::K] = weight(4, 9, 1);
    store[conv1::b] = bias(4, 2);
    store[nn::dense<"fc1">::W] = weight(16, 64, 3);
    store[nn::dense<"fc1">::b] = bias(16, 4);
    store[nn::dense<"fc2">::W] = weight(3, 16, 5);
    store[nn::dense<"fc2">::b] = bias(3, 6);
}

// Pixels U(0, 1), the left `blank` columns of every image 0; one-hot targets.
xt::xtensor<float, 2> images(std::size_t blank) {
    xt::xtensor<float, 2> x = xt::cast<float>(tg::testing::random_matrix(64, batch, 0, 1, 7));
    for (std::size_t r = 0; r < 8; ++r)
        for (std::size_t c = 0; c < blank; ++c)
            xt::view(x, r * 8 + c, xt::all()) = 0.0f;
    return x;
}
xt::xtensor<float, 2> targets() {
    xt::xtensor<float, 2> y = xt::zeros<float>({std::size_t(3), batch});
    for (std::size_t j = 0; j < batch; ++j) y(j % 3, j) = 1;
    return y;
}

gc::options every_entry(double perturb = 0) {
    gc::options o;
    o.fd_samples = 0; // every entry: 1131 of them, a tiny network at batch 4
    o.seed = 3;
    o.perturb = perturb;
    return o;
}

// The small convnet's check: weights from fill(zero_biases), images(blank), the targets.
gc::report check_small_convnet(bool zero_biases, std::size_t blank, const gc::options& o) {
    store_type store(nn::sgd<float>({}));
    fill(store, zero_biases);
    return gc::check_differences<model>(store, images(blank), targets(), o);
}

std::string failures(const gc::report& r) {
    std::string text;
    for (const auto& f : r.failures()) text += f + "\n";
    return text;
}

} // namespace

TEST_CASE("the kink-aware difference is central where J is smooth and one-sided beside a kink") {
    // Analytic J(t) = exp(t) + 0.3 · (kinks at chosen places): J′(0) = 1 on θ's piece.
    // h = 1e-3 keeps the stencils' rounding (~1e-13 / h) and truncation (~h⁴) far below 1e-8.
    const double h = 1e-3, agree = 1e-8;
    const auto kink = [](double at) { return [at](double t) { return 0.3 * std::max(0.0, t - at); }; };
    const auto rising = [](auto k) { return [k](double t) { return std::exp(t) + k(t); }; };

    const auto smooth = gc::kink_aware_derivative([](double t) { return std::exp(t); }, h, agree, 0);
    CHECK(smooth.from == gc::stencil::central);
    CHECK(smooth.value == doctest::Approx(1).epsilon(1e-10));

    // A kink 1.5h to the right spoils the central and the right stencils, not the left.
    const auto beside = gc::kink_aware_derivative(rising(kink(1.5 * h)), h, agree, 0);
    CHECK(beside.from == gc::stencil::left);
    CHECK(beside.value == doctest::Approx(1).epsilon(1e-10));

    // And 2.5h to the left: the right side is θ's piece.
    const auto left_kink = gc::kink_aware_derivative(
        [](double t) { return std::exp(t) + 0.3 * std::max(0.0, -2.5e-3 - t); }, h, agree, 0);
    CHECK(left_kink.from == gc::stencil::right);
    CHECK(left_kink.value == doctest::Approx(1).epsilon(1e-10));

    // A kink at 0: slopes 1 on the left and 1.3 on the right; the gradient under test
    // chooses between them, and a value near neither is still far from the answer.
    const auto at = rising(kink(0));
    const auto left_piece = gc::kink_aware_derivative(at, h, agree, 1.0);
    CHECK(left_piece.from == gc::stencil::at_kink);
    CHECK(left_piece.value == doctest::Approx(1).epsilon(1e-10));
    const auto right_piece = gc::kink_aware_derivative(at, h, agree, 1.3);
    CHECK(right_piece.value == doctest::Approx(1.3).epsilon(1e-10));
    CHECK(std::abs(gc::kink_aware_derivative(at, h, agree, 2.0).value - 2.0) > 0.5);

    // Kinks within 4h on both sides: no estimate.
    const auto both = gc::kink_aware_derivative(
        [&](double t) { return std::exp(t) + kink(h)(t) + 0.3 * std::max(0.0, -h - t); }, h, agree, 0);
    CHECK(both.from == gc::stencil::unresolved);
}

TEST_CASE("a convnet with relu, max-pool and dropout: the derived gradient matches kink-aware differences") {
    const auto r = check_small_convnet(false, 0, every_entry());
    INFO(failures(r));
    CHECK(r.passed());
    CHECK_FALSE(r.manual);
    CHECK(r.worst_typegrad_vs_fd().max_rel <= 1e-6);
    REQUIRE(r.parameters.size() == 6);
    CHECK(r.parameters[0].name == "conv1.K");
    CHECK(r.parameters[5].name == "fc2.b");
    std::size_t skipped = 0, entries = 0;
    for (const auto& p : r.parameters) {
        CAPTURE(p.name);
        CHECK(p.fd_checked + p.fd_skipped == p.rows * p.cols); // every entry was tried
        skipped += p.fd_skipped, entries += p.rows * p.cols;
    }
    CHECK(entries == 36 + 4 + 1024 + 16 + 48 + 3);
    CHECK(skipped * 100 <= entries); // kinks on both sides within 4e-6 are rare
}

TEST_CASE("a wrong gradient fails the check against differences") {
    const auto r = check_small_convnet(false, 0, every_entry(1e-3));
    CHECK_FALSE(r.passed());
    CHECK(failures(r).find("conv1.K: typegrad_vs_fd") != std::string::npos);
}

TEST_CASE("units exactly on their kink (zero biases over blank pixels) are checked one-sided") {
    // With conv1.b = 0 every unit over the blank left half has z = 0: moving conv1.b
    // switches them on to the right and leaves them off to the left. typegrad takes
    // relu′(0) = 0, the left piece; no central difference measures it.
    const auto r = check_small_convnet(true, 4, every_entry());
    INFO(failures(r));
    CHECK(r.passed());
    const auto& conv1_b = r.parameters[1];
    CHECK(conv1_b.fd_checked == 4);
    CHECK(conv1_b.fd_one_sided == 4);
}

TEST_CASE("run<Model> checks a model without a reference against differences alone") {
    store_type store(nn::sgd<float>({}));
    fill(store, false);
    const auto r = gc::run<model>(store, images(0), targets(), 4);
    CHECK(r.passed());
    CHECK_FALSE(r.manual);
    for (const auto& p : r.parameters) CHECK(p.fd_checked == std::min<std::size_t>(4, p.rows * p.cols));
}
