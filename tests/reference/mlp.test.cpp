// SPDX-License-Identifier: MIT
// The manual reference MLP: its gradients against central finite differences, against
// independently computed numbers for the seed's 2-2-2 network, float against double,
// its argument checks, and the absence of heap allocation in a steady-state step.
#include <typegrad/reference/mlp.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <new>
#include <random>
#include <string>
#include <vector>

#include <xtensor/xview.hpp>

#include <support/allocation_counter.hpp>

// ---- helpers ----------------------------------------------------------------------------

namespace {

namespace ref = typegrad::reference;
using ref::activation;
using ref::head;
template <class T>
using matrix = xt::xtensor<T, 2>;

std::string name(activation g) {
    switch (g) {
    case activation::sigmoid:
        return "sigmoid";
    case activation::tanh:
        return "tanh";
    case activation::relu:
        return "relu";
    }
    return "?";
}
std::string name(head o) {
    return o == head::sigmoid_bce ? "sigmoid_bce" : "softmax_ce";
}

std::string format(const std::vector<std::size_t> &sizes) {
    std::string s;
    for (auto n : sizes) {
        if (!s.empty())
            s += '-';
        s += std::to_string(n);
    }
    return s;
}

// A problem of the given shape: Xavier weights, nonzero biases (so that the bias paths
// are exercised), inputs in [−1, 1], and targets that are valid for the output: in
// [0, 1] for sigmoid_bce, columns of probabilities summing to 1 for softmax_ce.
struct problem {
    ref::mlp_params<double> params;
    matrix<double> x, y;
};

problem make_problem(const std::vector<std::size_t> &sizes, head out, std::size_t m,
                     std::uint64_t seed) {
    std::mt19937_64 engine(seed);
    const auto uniform = [&engine](double lo, double hi) {
        return lo + (hi - lo) * static_cast<double>(engine() >> 11) * 0x1.0p-53;
    };
    problem p{ref::random_params<double>(sizes, seed), {}, {}};
    for (auto &b : p.params.b)
        for (auto &v : b)
            v = uniform(-0.5, 0.5);
    p.x = xt::zeros<double>({sizes.front(), m});
    for (auto &v : p.x)
        v = uniform(-1, 1);
    p.y = xt::zeros<double>({sizes.back(), m});
    for (auto &v : p.y)
        v = uniform(0, 1);
    if (out == head::softmax_ce)
        for (std::size_t j = 0; j < m; ++j) {
            auto column = xt::view(p.y, xt::all(), j);
            column /= xt::sum(column)();
        }
    return p;
}

// Central differences of the network's own loss, in double:
// ∂J/∂θ ≈ (J(θ + h) − J(θ − h)) / 2h, h = 1e-5 · max(1, |θ|).
// The step balances the two errors: truncation h²·|J‴|/6 ≈ 2e-11 and rounding
// ε·|J|/h ≈ 1e-16 / 1e-5 ≈ 1e-11 (the optimum is near ε^(1/3) ≈ 6e-6). A relu
// pre-activation within ±h of its kink would show as an error of order 1; none does for
// these seeds.
ref::mlp_params<double> finite_differences(ref::mlp<double> &net, ref::mlp_params<double> params,
                                           const matrix<double> &x, const matrix<double> &y) {
    ref::mlp_params<double> fd = params;
    const auto differentiate = [&](matrix<double> &theta, matrix<double> &out) {
        for (std::size_t i = 0; i < theta.size(); ++i) {
            const double t = theta.data()[i];
            const double h = 1e-5 * std::max(1.0, std::abs(t));
            theta.data()[i] = t + h;
            const double plus = net.loss(params, x, y);
            theta.data()[i] = t - h;
            const double minus = net.loss(params, x, y);
            theta.data()[i] = t;
            out.data()[i] = (plus - minus) / (2 * h);
        }
    };
    for (std::size_t l = 0; l < params.W.size(); ++l) {
        differentiate(params.W[l], fd.W[l]);
        differentiate(params.b[l], fd.b[l]);
    }
    return fd;
}

// The error metric used throughout: max-abs difference over one parameter tensor,
// normalised by the largest magnitude of the expected tensor,
//   ‖got − want‖∞ / max(‖want‖∞, floor).
// Normalising per tensor (not per entry) keeps entries that are near zero, where a
// finite difference has only absolute accuracy, from dominating; the floor keeps a
// tensor whose gradient is exactly zero (e.g. behind dead relu units) from dividing by 0.
template <class A, class B>
double normalised_error(const matrix<A> &got, const matrix<B> &want, double floor = 1e-8) {
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        diff = std::max(diff, std::abs(double(got.data()[i]) - double(want.data()[i])));
        scale = std::max(scale, std::abs(double(want.data()[i])));
    }
    return diff / std::max(scale, floor);
}

template <class A, class B>
double worst_error(const ref::mlp_params<A> &got, const ref::mlp_params<B> &want) {
    double e = 0;
    for (std::size_t l = 0; l < want.W.size(); ++l) {
        e = std::max(e, normalised_error(got.W[l], want.W[l]));
        e = std::max(e, normalised_error(got.b[l], want.b[l]));
    }
    return e;
}

// Depth 1 to 4: input 3, hidden widths 4, 5, 4 (as many as the depth needs), output 3.
std::vector<std::size_t> architecture(std::size_t depth) {
    const std::vector<std::size_t> hidden{4, 5, 4};
    std::vector<std::size_t> sizes{3};
    sizes.insert(sizes.end(), hidden.begin(), hidden.begin() + std::ptrdiff_t(depth - 1));
    sizes.push_back(3);
    return sizes;
}

constexpr activation activations[] = {activation::sigmoid, activation::tanh, activation::relu};
constexpr head outputs[] = {head::sigmoid_bce, head::softmax_ce};

template <class To, class From>
ref::mlp_params<To> cast(const ref::mlp_params<From> &p) {
    ref::mlp_params<To> q;
    for (auto &W : p.W)
        q.W.push_back(xt::cast<To>(W));
    for (auto &b : p.b)
        q.b.push_back(xt::cast<To>(b));
    return q;
}

} // namespace

// ---- gradients --------------------------------------------------------------------------

TEST_CASE("gradients of every parameter agree with central finite differences") {
    // Tolerance 1e-6 on the per-tensor normalised error (see normalised_error). The
    // central difference is accurate to a few 1e-11 absolute (see finite_differences);
    // the smallest gradient tensors here, the first layer of the depth-4 sigmoid nets,
    // have entries near 1e-3, so about 1e-8 is expected (observed: 1.8e-8). A wrong
    // formula shows up as an error of order 1.
    double worst = 0;
    std::uint64_t seed = 1;
    for (std::size_t depth = 1; depth <= 4; ++depth)
        for (activation g : activations)
            for (head o : outputs)
                for (std::size_t m : {std::size_t{1}, std::size_t{5}}) {
                    const auto sizes = architecture(depth);
                    INFO("sizes ", format(sizes), ", hidden ", name(g), ", output ", name(o),
                         ", batch ", m);
                    const problem p = make_problem(sizes, o, m, seed++);
                    ref::mlp<double> net(sizes, g, o);
                    ref::mlp_params<double> grads;
                    const double J = net.gradient(p.params, p.x, p.y, grads);
                    CHECK(J == doctest::Approx(net.loss(p.params, p.x, p.y)).epsilon(1e-15));
                    const auto fd = finite_differences(net, p.params, p.x, p.y);
                    const double e = worst_error(grads, fd);
                    CHECK(e <= 1e-6);
                    worst = std::max(worst, e);
                }
    MESSAGE("worst normalised error against finite differences: ", worst);
}

TEST_CASE("the seed's 2-2-2 sigmoid network gives independently computed gradients") {
    // Expected numbers from an mpmath script run once at 40 significant digits: the
    // forward pass written as scalar loops straight from J = −(1/m) Σ [y log a +
    // (1−y) log(1−a)], differentiated numerically by mpmath.diff, so neither the
    // transpose-delta formulas nor this library took part. Tolerance 1e-12 relative:
    // the double computation has a few dozen roundings of size 1.1e-16 each.
    const matrix<double> x{{0.05, 0.8}, {0.10, -0.4}}; // two examples, one per column
    const matrix<double> y{{0.01, 1.0}, {0.99, 0.0}};
    ref::mlp_params<double> params;
    params.W = {matrix<double>{{0.15, 0.20}, {0.25, 0.30}},
                matrix<double>{{0.40, 0.45}, {0.50, -0.55}}};
    params.b = {matrix<double>{{0.35}, {-0.35}}, matrix<double>{{0.60}, {0.10}}};

    ref::mlp<double> net({2, 2, 2}, activation::sigmoid, head::sigmoid_bce);
    ref::mlp_params<double> grads;
    const double J = net.gradient(params, x, y, grads);

    const auto near = [](double expected) { return doctest::Approx(expected).epsilon(1e-12); };
    CHECK(J == near(1.5103117080966459));
    CHECK(grads.W[0](0, 0) == near(0.016285072770490758));
    CHECK(grads.W[0](0, 1) == near(-0.0071469784526594558));
    CHECK(grads.W[0](1, 0) == near(-0.037254413710155321));
    CHECK(grads.W[0](1, 1) == near(0.027387136263235296));
    CHECK(grads.b[0](0, 0) == near(0.02782302545750787));
    CHECK(grads.b[0](1, 0) == near(0.019131453423488119));
    CHECK(grads.W[1](0, 0) == near(0.13726828844471481));
    CHECK(grads.W[1](0, 1) == near(0.097117190708282303));
    CHECK(grads.W[1](1, 0) == near(0.027727315017380131));
    CHECK(grads.W[1](1, 1) == near(0.021701307078405646));
    CHECK(grads.b[1](0, 0) == near(0.23204210357465594));
    CHECK(grads.b[1](1, 0) == near(0.045365511090922731));
}

TEST_CASE("softmax cross-entropy is minus the mean log-probability of the target") {
    // With Θ = 0 the logits are the biases: b = (0, log 2, log 3) gives softmax
    // (1, 2, 3)/6 in every column, so one-hot targets of classes 2 and 1 cost
    // −(log(3/6) + log(2/6)) / 2. Tolerance: a few ulps of double.
    ref::mlp_params<double> params;
    params.W = {xt::zeros<double>({3, 2})};
    params.b = {matrix<double>{{0.0}, {std::log(2.0)}, {std::log(3.0)}}};
    const matrix<double> x{{0.3, -0.7}, {1.1, 0.2}};
    const matrix<double> y{{0, 0}, {0, 1}, {1, 0}};
    ref::mlp<double> net({2, 3}, activation::relu, head::softmax_ce);
    CHECK(net.loss(params, x, y) ==
          doctest::Approx(-(std::log(0.5) + std::log(1.0 / 3)) / 2).epsilon(1e-15));
    CHECK(net.output_activations()(1, 0) == doctest::Approx(2.0 / 6).epsilon(1e-15));
}

TEST_CASE("the loss stays finite when the output saturates") {
    // Logits of ±1000: σ(z) rounds to exactly 0 or 1 and softmax to a one-hot, so a
    // loss computed as log(a) would be infinite; from the logits it is exact.
    for (head o : outputs) {
        INFO("output ", name(o));
        ref::mlp_params<double> params;
        params.W = {xt::zeros<double>({2, 1})};
        params.b = {matrix<double>{{1000.0}, {-1000.0}}};
        const matrix<double> x{{1.0}};
        const matrix<double> y{{0.0}, {1.0}}; // the wrong answer, confidently
        ref::mlp<double> net({1, 2}, activation::tanh, o);
        ref::mlp_params<double> grads;
        const double J = net.gradient(params, x, y, grads);
        // sigmoid_bce: (1000 − 0) + (0 + 1000) = 2000; softmax_ce: −(−1000 − 1000) = 2000
        CHECK(J == doctest::Approx(2000.0).epsilon(1e-15));
        CHECK(std::isfinite(grads.b[0](0, 0)));
        CHECK(grads.b[0](0, 0) == doctest::Approx(1.0)); // δ = a − y = 1 − 0
    }
}

TEST_CASE("float gradients agree with double gradients to float precision") {
    // Both run on the same numbers (generated in double, rounded to float, widened back),
    // so only the arithmetic differs. Each gradient entry is a chain of roundings of
    // relative size u = 2^−24 ≈ 6e-8: dot products of length ≤ 5 (fan-in) and 16 (batch),
    // one exp/tanh/log per unit, four layers, ≈ 100 roundings along the longest chain;
    // normalised per tensor, 2^8 · u ≈ 1.5e-5 bounds it with margin.
    const double tolerance = 256 * std::numeric_limits<float>::epsilon() / 2;
    double worst = 0;
    std::uint64_t seed = 100;
    for (activation g : activations)
        for (head o : outputs) {
            const auto sizes = architecture(4);
            INFO("sizes ", format(sizes), ", hidden ", name(g), ", output ", name(o));
            const problem p = make_problem(sizes, o, 16, seed++);
            const auto params_f = cast<float>(p.params);
            const auto params_d = cast<double>(params_f);
            const matrix<float> x_f = xt::cast<float>(p.x), y_f = xt::cast<float>(p.y);
            const matrix<double> x_d = xt::cast<double>(x_f), y_d = xt::cast<double>(y_f);

            ref::mlp<float> net_f(sizes, g, o);
            ref::mlp<double> net_d(sizes, g, o);
            ref::mlp_params<float> grads_f;
            ref::mlp_params<double> grads_d;
            const float J_f = net_f.gradient(params_f, x_f, y_f, grads_f);
            const double J_d = net_d.gradient(params_d, x_d, y_d, grads_d);
            CHECK(std::abs(J_f - J_d) <= tolerance * std::abs(J_d));
            const double e = worst_error(grads_f, grads_d);
            CHECK(e <= tolerance);
            worst = std::max(worst, e);
        }
    MESSAGE("worst normalised float/double difference: ", worst, " (tolerance ", tolerance, ")");
}

// ---- arguments --------------------------------------------------------------------------

TEST_CASE("bad arguments throw invalid_argument naming the function and the shapes") {
    using doctest::Contains;
    CHECK_THROWS_WITH_AS(ref::mlp<double>({3}, activation::tanh, head::softmax_ce),
                         Contains("mlp::mlp: sizes (3)"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(ref::mlp<double>({3, 0, 2}, activation::tanh, head::softmax_ce),
                         Contains("mlp::mlp: sizes (3, 0, 2)"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(ref::random_params<float>({}, 1), Contains("random_params: sizes ()"),
                         std::invalid_argument);

    ref::mlp<double> net({3, 4, 2}, activation::relu, head::sigmoid_bce);
    const auto params = ref::random_params<double>({3, 4, 2}, 7);
    ref::mlp_params<double> grads;
    const matrix<double> x = xt::zeros<double>({3, 5}), y = xt::zeros<double>({2, 5});

    const matrix<double> x_bad = xt::zeros<double>({4, 5});
    CHECK_THROWS_WITH_AS(net.gradient(params, x_bad, y, grads),
                         Contains("mlp::gradient: x has shape (4, 5), expected (3, m)"),
                         std::invalid_argument);
    const matrix<double> x_empty = xt::zeros<double>({3, 0}), y_empty = xt::zeros<double>({2, 0});
    CHECK_THROWS_WITH_AS(net.loss(params, x_empty, y_empty),
                         Contains("mlp::loss: x has shape (3, 0), expected (3, m) with m >= 1"),
                         std::invalid_argument);
    const matrix<double> y_bad = xt::zeros<double>({2, 4});
    CHECK_THROWS_WITH_AS(net.loss(params, x, y_bad),
                         Contains("mlp::loss: y has shape (2, 4), expected (2, 5)"),
                         std::invalid_argument);

    auto params_bad = params;
    params_bad.W[1] = xt::zeros<double>({4, 2});
    CHECK_THROWS_WITH_AS(net.gradient(params_bad, x, y, grads),
                         Contains("mlp::gradient: W[1] has shape (4, 2), expected (2, 4)"),
                         std::invalid_argument);
    params_bad = params;
    params_bad.b[0] = xt::zeros<double>({1, 4});
    CHECK_THROWS_WITH_AS(net.gradient(params_bad, x, y, grads),
                         Contains("b[0] has shape (1, 4), expected (4, 1)"), std::invalid_argument);
    params_bad = params;
    params_bad.W.pop_back();
    CHECK_THROWS_WITH_AS(net.loss(params_bad, x, y),
                         Contains("params has 1 weight matrices and 2 biases, but sizes "
                                  "(3, 4, 2) make 2 layers"),
                         std::invalid_argument);
}

// ---- allocation -------------------------------------------------------------------------

TEST_CASE_TEMPLATE("a steady-state gradient step makes no heap allocation", T, float, double) {
    // The counter must see xtensor's buffers at all, or a zero below would prove nothing.
    const long before_probe = typegrad::testing::allocations();
    {
        const matrix<T> probe = xt::zeros<T>({3, 3});
        (void)probe;
    }
    REQUIRE(typegrad::testing::allocations() > before_probe);

    const std::vector<std::size_t> sizes{6, 8, 8, 4};
    const problem p = make_problem(sizes, head::softmax_ce, 16, 42);
    const auto params = cast<T>(p.params);
    const matrix<T> x = xt::cast<T>(p.x), y = xt::cast<T>(p.y);
    for (activation g : activations)
        for (head o : outputs) {
            INFO("hidden ", name(g), ", output ", name(o));
            ref::mlp<T> net(sizes, g, o);
            ref::mlp_params<T> grads;
            net.gradient(params, x, y, grads); // first call: buffers and grads are shaped

            const long before = typegrad::testing::allocations();
            for (int step = 0; step < 3; ++step)
                net.gradient(params, x, y, grads);
            net.loss(params, x, y);
            const long counted = typegrad::testing::allocations() - before;
            CHECK(counted == 0);
        }
}
