// SPDX-License-Identifier: MIT
// LeNet-5 three ways: typegrad's derived gradient, the hand-written transpose-delta
// reference (src/reference/lenet.cpp) and central differences, in double and float;
// and the derived backward pass has the seed's form, δ patches(x)ᵀ and unpatch(Kᵀ δ).
#include <algorithm>
#include <cmath>
#include <random>

#include <doctest/doctest.h>

#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/reference/lenet.hpp>
#include <typegrad/typegrad.hpp>

#include <support/allocation_counter.hpp>

namespace tg = typegrad;
namespace ref = typegrad::reference;

namespace {

using model = tg::nn::classifier<tg::nn::lenet5>;
using parameters = model::parameters;

// Images with pixels in [0, 1) and one-hot labels, seeded.
template <class T>
void random_batch(xt::xtensor<T, 2>& x, xt::xtensor<T, 2>& y, std::size_t m, unsigned seed) {
    std::mt19937_64 rng(seed);
    x = xt::zeros<T>({std::size_t(784), m});
    y = xt::zeros<T>({std::size_t(10), m});
    for (auto& v : x) v = T(double(rng() >> 11) * 0x1.0p-53);
    for (std::size_t n = 0; n < m; ++n) y(rng() % 10, n) = T(1);
}

template <class T>
auto bind_lenet(const ref::lenet_params<T>& p, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y) {
    return [&]<class... P, std::size_t... I>(tg::meta::type_list<P...>, std::index_sequence<I...>) {
        return tg::values(model::x = x, model::y = y, (P{} = p[I])...);
    }(parameters{}, std::make_index_sequence<10>{});
}

// max |a − b| / max |b|: the worst entry relative to the tensor's scale.
template <class T>
double relative_difference(const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b) {
    double diff = 0, scale = 1e-30;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a.data()[i]) - double(b.data()[i])));
        scale = std::max(scale, std::abs(double(b.data()[i])));
    }
    return diff / scale;
}

template <class T>
double typegrad_vs_reference(std::size_t m) {
    auto p = ref::lenet_random_params<T>(3);
    for (std::size_t i = 1; i < 10; i += 2) // non-zero biases, so their gradients are exercised too
        for (auto& v : p[i]) v = T(0.05) * T(&v - p[i].data() + 1) / T(p[i].size());
    xt::xtensor<T, 2> x, y;
    random_batch(x, y, m, 5);
    auto values = bind_lenet(p, x, y);
    auto step = tg::compile<T>(model::gradient);
    step.run(values);
    ref::lenet<T> manual;
    ref::lenet_params<T> g;
    const T J = manual.gradient(p, x, y, g);
    CHECK(double(step.value()) == doctest::Approx(double(J)).epsilon(std::is_same_v<T, float> ? 1e-5 : 1e-13));
    double worst = 0;
    std::size_t i = 0;
    [&]<class... P>(tg::meta::type_list<P...>) {
        ((worst = std::max(worst, relative_difference(step[P{}], g[i++]))), ...);
    }(parameters{});
    return worst;
}

} // namespace

TEST_CASE("LeNet-5: typegrad's derived gradient equals the hand-written reference to rounding") {
    // double: the two run the same products in the same order except the bias sums, the
    // softmax and the convolutions' products with the patch matrix (typegrad reads the
    // images in place, exec/patch_products.hpp; each entry still sums the same terms), so
    // differences are a few ulps of the largest entry (bound 1e-12).
    CHECK(typegrad_vs_reference<double>(8) <= 1e-12);
    // float: the same, at float's ε ≈ 6e-8 amplified by sums of up to 784·m terms.
    CHECK(typegrad_vs_reference<float>(8) <= 1e-4);
}

TEST_CASE("LeNet-5: both gradients match central differences of the loss (double)") {
    // h = 1e-6: truncation O(h²) ≈ 1e-12; a relu or max-pool kink crossed within ±h
    // would show as an O(1) error in one entry, which the fixed seed avoids.
    auto p = ref::lenet_random_params<double>(11);
    xt::xtensor<double, 2> x, y;
    random_batch(x, y, 3, 12);
    ref::lenet<double> manual;
    ref::lenet_params<double> g;
    manual.gradient(p, x, y, g);
    auto values = bind_lenet(p, x, y);
    auto step = tg::compile<double>(model::gradient);
    step.run(values);
    std::size_t t = 0;
    [&]<class... P>(tg::meta::type_list<P...>) {
        auto one = [&](const xt::xtensor<double, 2>& derived) {
            auto& theta = p[t];
            std::mt19937_64 rng(100 + t);
            double worst_typegrad = 0, worst_manual = 0, scale = 1e-12;
            for (int s = 0; s < 24; ++s) {
                const std::size_t i = rng() % theta.size();
                const double keep = theta.data()[i], h = 1e-6;
                theta.data()[i] = keep + h;
                const double up = manual.loss(p, x, y);
                theta.data()[i] = keep - h;
                const double down = manual.loss(p, x, y);
                theta.data()[i] = keep;
                const double fd = (up - down) / (2 * h);
                worst_typegrad = std::max(worst_typegrad, std::abs(derived.data()[i] - fd));
                worst_manual = std::max(worst_manual, std::abs(g[t].data()[i] - fd));
                scale = std::max({scale, std::abs(fd), xt::amax(xt::abs(derived))()});
            }
            CAPTURE(t);
            CHECK(worst_typegrad / scale <= 1e-6);
            CHECK(worst_manual / scale <= 1e-6);
            ++t;
        };
        (one(step[P{}]), ...);
    }(parameters{});
}

namespace {
template <class A>
inline constexpr bool is_delta_times_patches_t = false; // δ patches(x)ᵀ, under the gradient entry's label
template <class Label, class D, class Win, class X>
inline constexpr bool is_delta_times_patches_t<
    tg::expr<tg::matmul_op, Label, tg::expr<tg::relayout_op<Win::positions, false>, tg::no_label, D>,
             tg::expr<tg::transpose_op, tg::no_label, tg::expr<tg::patches_op<Win>, tg::no_label, X>>>> = true;

template <class A>
inline constexpr bool is_unpatch_of_kernel_transpose_t = false; // unpatch(Kᵀ δ)
template <class Win, class K, class D>
inline constexpr bool is_unpatch_of_kernel_transpose_t<tg::expr<
    tg::unpatch_op<Win>, tg::no_label,
    tg::expr<tg::matmul_op, tg::no_label, tg::expr<tg::transpose_op, tg::no_label, K>,
             tg::expr<tg::relayout_op<Win::positions, false>, tg::no_label, D>>>> = true;
} // namespace

TEST_CASE("LeNet-5's derived backward pass has the seed's transposes: ∂J/∂K = δ patches(a)ᵀ, δ(a) = unpatch(Kᵀ δ)") {
    using conv1 = tg::nn::conv<"conv1", tg::window<1, 28, 28, 5, 1, 2>, 6>;
    using conv2 = tg::nn::conv<"conv2", tg::window<6, 14, 14, 5>, 16>;
    using dK1 = std::remove_const_t<decltype(model::gradient[conv1::K])>;
    using dK2 = std::remove_const_t<decltype(model::gradient[conv2::K])>;
    static_assert(is_delta_times_patches_t<dK1> && dK1::label_type::name.view() == "∂J/∂conv1.K");
    static_assert(is_delta_times_patches_t<dK2> && dK2::label_type::name.view() == "∂J/∂conv2.K");
    // a2, the second convolution's input (the same type as inside the model), receives unpatch(Kᵀ δ)
    constexpr auto a1 = tg::name<"a1">(tg::relu(tg::name<"z1">(conv1{}(model::x))));
    constexpr auto a2 = tg::name<"a2">(tg::max_pool<tg::window<6, 28, 28, 2, 2>>(a1));
    static_assert(is_unpatch_of_kernel_transpose_t<std::remove_const_t<decltype(tg::adjoint(model::loss, a2))>>);
    const std::string text = tg::formula(model::gradient);
    CAPTURE(text);
    // printed as the seed writes it: δ after the layer, the patches shared with the forward pass
    CHECK(text.find("= patches(x)\n") != std::string::npos);
    CHECK(text.find("∂J/∂conv2.K = δ3 t") != std::string::npos);
    CHECK(text.find("δ1 = unpool(unpatch(conv2.Kᵀ δ3), t") != std::string::npos);
    CHECK(text.find("∂J/∂conv1.K = δ1 t") != std::string::npos);
    CHECK(text.find("unpool(") != std::string::npos);
}

TEST_CASE("the reference LeNet-5 makes no heap allocation once its buffers are sized") {
    auto p = ref::lenet_random_params<float>(1);
    xt::xtensor<float, 2> x, y;
    random_batch(x, y, 16, 2);
    ref::lenet<float> manual;
    ref::lenet_params<float> g;
    manual.gradient(p, x, y, g);
    const long before = tg::testing::allocations();
    manual.gradient(p, x, y, g);
    CHECK(tg::testing::allocations() == before);
}
