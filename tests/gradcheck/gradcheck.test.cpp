// SPDX-License-Identifier: MIT
// typegrad::gradcheck::run on random architectures: typegrad's derived gradients agree
// with the manual reference and with finite differences, in double and in float; and
// invalid options are refused with a message naming them.
#include <typegrad/gradcheck.hpp>
#include <typegrad/gradcheck/model.hpp>

#include <doctest/doctest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

namespace gc = typegrad::gradcheck;

std::string describe(const gc::options& o) {
    std::string s = "layers ";
    for (std::size_t i = 0; i < o.layers.size(); ++i) {
        if (i > 0)
            s += ',';
        s += std::to_string(o.layers[i]);
    }
    s += ", batch " + std::to_string(o.batch) + ", hidden " + std::string(gc::to_string(o.hidden));
    s += ", output " + std::string(gc::to_string(o.out)) + ", dtype " + gc::to_string(o.type);
    s += ", seed " + std::to_string(o.seed);
    return s;
}

// The i-th random architecture: depth 1 to 5, widths 1 to 64, batch 1 to 33, cycling
// through every (hidden activation, output) pair so that each appears several times.
gc::options architecture(std::size_t i, gc::dtype type) {
    constexpr gc::activation hiddens[] = {gc::activation::sigmoid, gc::activation::tanh,
                                          gc::activation::relu};
    constexpr gc::head outputs[] = {gc::head::sigmoid_bce, gc::head::softmax_ce};
    std::mt19937_64 engine(1000 + i);
    const auto draw = [&](std::size_t lo, std::size_t hi) { return lo + engine() % (hi - lo + 1); };
    gc::options o;
    const std::size_t depth = draw(1, 5);
    for (std::size_t l = 0; l <= depth; ++l)
        o.layers.push_back(draw(1, 64));
    o.batch = draw(1, 33);
    o.hidden = hiddens[i % 3];
    o.out = outputs[i / 3 % 2];
    o.type = type;
    o.seed = 7 * i + 1;
    return o;
}

void check_within_tolerance(const gc::report& r) {
    for (const auto& p : r.parameters) {
        INFO("parameter ", p.name);
        // Every sampled entry is compared; where a stencil crossed a relu kink, the next
        // entry of the sample is taken instead, so the sample is full unless the tensor ran
        // out of entries, and some entry was always compared.
        const std::size_t entries = p.rows * p.cols;
        const std::size_t want = r.opts.fd_samples == 0 ? entries : std::min(entries, r.opts.fd_samples);
        CHECK(p.fd_checked > 0);
        CHECK((p.fd_checked == want || p.fd_checked + p.fd_skipped == entries));
        CHECK(p.typegrad_vs_manual.max_rel <= r.tol.typegrad_vs_manual);
        CHECK(p.typegrad_vs_fd.max_rel <= r.tol.vs_fd);
        CHECK(p.manual_vs_fd.max_rel <= r.tol.vs_fd);
    }
    CHECK(r.passed());
}

} // namespace

TEST_CASE(
    "typegrad and manual gradients agree in double and match finite differences on random MLPs") {
    // Tolerances (gc::tolerances_for, reasoned in src/gradcheck/gradcheck.cpp): 1e-10
    // between typegrad and manual, 1e-6 against finite differences, on the difference
    // relative to the tensor's largest entry (gradcheck.hpp). Observed: ~1e-15 and ~1e-7.
    const auto tol = gc::tolerances_for(gc::dtype::float64);
    CHECK(tol.typegrad_vs_manual == 1e-10);
    CHECK(tol.vs_fd == 1e-6);
    double worst_manual = 0, worst_fd = 0;
    std::size_t depths[6] = {};
    for (std::size_t i = 0; i < 24; ++i) {
        const gc::options o = architecture(i, gc::dtype::float64);
        INFO(describe(o));
        const gc::report r = gc::run(o);
        REQUIRE(r.parameters.size() == 2 * (o.layers.size() - 1));
        check_within_tolerance(r);
        CHECK(r.loss_typegrad == doctest::Approx(r.loss_manual).epsilon(1e-12));
        worst_manual = std::max(worst_manual, r.worst_typegrad_vs_manual().max_rel);
        worst_fd =
            std::max({worst_fd, r.worst_typegrad_vs_fd().max_rel, r.worst_manual_vs_fd().max_rel});
        ++depths[o.layers.size() - 1];
    }
    for (std::size_t d = 1; d <= 5; ++d) {
        INFO("depth ", d);
        CHECK(depths[d] > 0);
    }
    MESSAGE("worst max_rel over 24 architectures: typegrad vs manual ", worst_manual, ", vs fd ",
            worst_fd);
}

TEST_CASE("float gradients pass their float tolerances") {
    // tolerances_for(float32) is 2^8 float epsilon ≈ 3e-5 for both pairs (the reasoning is
    // beside its definition; observed ≤ 15 epsilon); a wrong formula gives errors of order 1.
    const auto tol = gc::tolerances_for(gc::dtype::float32);
    CHECK(tol.typegrad_vs_manual == doctest::Approx(256 * 1.1920928955078125e-7));
    CHECK(tol.vs_fd == tol.typegrad_vs_manual);
    double worst = 0;
    for (std::size_t i = 0; i < 6; ++i) {
        const gc::options o = architecture(100 + i, gc::dtype::float32);
        INFO(describe(o));
        const gc::report r = gc::run(o);
        check_within_tolerance(r);
        worst = std::max({worst, r.worst_typegrad_vs_manual().max_rel,
                          r.worst_typegrad_vs_fd().max_rel, r.worst_manual_vs_fd().max_rel});
    }
    MESSAGE("worst float max_rel: ", worst, " (tolerance ", tol.vs_fd, ")");
}

TEST_CASE("depth 6, the deepest compiled network, passes") {
    for (gc::head out : {gc::head::sigmoid_bce, gc::head::softmax_ce}) {
        gc::options o;
        o.layers = {5, 7, 6, 5, 6, 7, 4};
        o.batch = 9;
        o.hidden = gc::activation::tanh;
        o.out = out;
        INFO(describe(o));
        check_within_tolerance(gc::run(o));
    }
}

TEST_CASE("fd_samples = 0 checks every entry; a sample includes the largest gradient entry") {
    gc::options o;
    o.layers = {6, 5, 3};
    o.batch = 4;
    o.fd_samples = 0;
    const gc::report all = gc::run(o);
    for (const auto& p : all.parameters)
        CHECK(p.fd_checked == p.rows * p.cols);
    check_within_tolerance(all);

    o.fd_samples = 3;
    const gc::report some = gc::run(o);
    for (const auto& p : some.parameters)
        CHECK(p.fd_checked == 3);
}

TEST_CASE("the same seed gives the same report") {
    const gc::options o = architecture(3, gc::dtype::float64);
    const gc::report a = gc::run(o), b = gc::run(o);
    CHECK(a.loss_typegrad == b.loss_typegrad);
    REQUIRE(a.parameters.size() == b.parameters.size());
    for (std::size_t i = 0; i < a.parameters.size(); ++i)
        CHECK(a.parameters[i].typegrad_vs_fd.max_abs == b.parameters[i].typegrad_vs_fd.max_abs);
}

TEST_CASE("parse_layers reads comma lists and refuses malformed ones") {
    using doctest::Contains;
    CHECK(gc::parse_layers("400,25,10") == std::vector<std::size_t>{400, 25, 10});
    CHECK(gc::parse_layers("2,2") == std::vector<std::size_t>{2, 2});
    CHECK(gc::parse_layers("1,2,3,4,5,6,7").size() == gc::max_depth + 1);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4,,3"), Contains("empty entry"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers(""), Contains("empty entry"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4,3,"), Contains("empty entry"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4,x"), Contains("'x' is not a positive integer"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4,-3"), Contains("'-3' is not a positive integer"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4, 3"), Contains("not a positive integer"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4,0,3"), Contains("a layer of size 0"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4"), Contains("at least 2 sizes"),
                         std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("1,2,3,4,5,6,7,8"),
                         Contains("7 weight layers; at most 6"), std::invalid_argument);
    CHECK_THROWS_WITH_AS(gc::parse_layers("4,99999999999999999999999"), Contains("larger than"),
                         std::invalid_argument);
}

TEST_CASE("run refuses invalid options, naming them") {
    using doctest::Contains;
    gc::options o;
    o.layers = {4};
    CHECK_THROWS_WITH_AS(gc::run(o), Contains("at least 2 sizes"), std::invalid_argument);
    o.layers = {4, 0, 3};
    CHECK_THROWS_WITH_AS(gc::run(o), Contains("layers (4,0,3) contain a 0"), std::invalid_argument);
    o.layers = {2, 2, 2, 2, 2, 2, 2, 2};
    CHECK_THROWS_WITH_AS(gc::run(o), Contains("at most 6"), std::invalid_argument);
    o.layers = {4, 3};
    o.batch = 0;
    CHECK_THROWS_WITH_AS(gc::run(o), Contains("batch must be at least 1"), std::invalid_argument);
    o.batch = 1 << 20;
    o.layers = {1 << 10, 3};
    CHECK_THROWS_WITH_AS(gc::run(o), Contains("more than 2^25 entries"), std::invalid_argument);
}

TEST_CASE("typegrad_mlp_gradient refuses parameters that do not chain") {
    using doctest::Contains;
    auto params = typegrad::reference::random_params<double>({3, 4, 2}, 1);
    const xt::xtensor<double, 2> x = xt::zeros<double>({3, 5}), y = xt::zeros<double>({2, 5});
    typegrad::reference::mlp_params<double> grads;
    const auto call = [&] {
        return gc::typegrad_mlp_gradient<double>(gc::activation::relu, gc::head::sigmoid_bce,
                                                 params, x, y, grads);
    };
    CHECK_NOTHROW(call());
    params.W[1] = xt::zeros<double>({2, 5});
    CHECK_THROWS_WITH_AS(call(), Contains("W[1] has shape (2, 5), expected (n, 4)"),
                         std::invalid_argument);
    params.W.clear();
    params.b.clear();
    CHECK_THROWS_WITH_AS(call(), Contains("0 weight matrices"), std::invalid_argument);
}

TEST_CASE("a perturbed gradient fails the check, in double and in float") {
    for (gc::dtype type : {gc::dtype::float64, gc::dtype::float32}) {
        gc::options o = architecture(4, type);
        INFO(describe(o));
        REQUIRE(gc::run(o).passed());
        o.perturb = 1e-3; // typegrad's ∂J/∂fc1.W(0, 0) moves by 1e-3 of the tensor's scale
        const gc::report r = gc::run(o);
        CHECK_FALSE(r.passed());
        const auto failures = r.failures();
        REQUIRE_FALSE(failures.empty());
        CHECK(failures.front().rfind("fc1.W: typegrad_vs_manual max_rel", 0) == 0);
        CHECK(r.parameters[0].typegrad_vs_manual.max_rel == doctest::Approx(1e-3).epsilon(0.01));
        // Only typegrad's gradient was touched: the reference still agrees with finite differences.
        CHECK(r.worst_manual_vs_fd().max_rel <= r.tol.vs_fd);
    }
}

namespace {
// A wrong gradient in the reference's layout: the true one with ∂J/∂b of the last layer
// doubled (a plausible bug: a bias summed twice).
double doubled_last_bias(const typegrad::reference::mlp_params<double>& theta, const xt::xtensor<double, 2>& x,
                         const xt::xtensor<double, 2>& y, typegrad::reference::mlp_params<double>& grads) {
    const double J = gc::gradient<typegrad::nn::mlp<2, gc::activation::relu, gc::head::softmax_ce>, double>(
        theta, x, y, grads);
    grads.b.back() *= 2.0;
    return J;
}
} // namespace

TEST_CASE("check() catches a wrong gradient against both the reference and finite differences") {
    gc::options o;
    o.layers = {6, 5, 4};
    o.batch = 7;
    o.hidden = gc::activation::relu;
    o.out = gc::head::softmax_ce;
    const gc::network net = gc::random_network(o);
    using model = typegrad::nn::mlp<2, gc::activation::relu, gc::head::softmax_ce>;
    CHECK(gc::check<double>(o, net, &gc::gradient<model, double>).passed());
    const gc::report r = gc::check<double>(o, net, &doubled_last_bias);
    CHECK_FALSE(r.passed());
    const auto& fc2_b = r.parameters[3];
    CHECK(fc2_b.name == "fc2.b");
    CHECK(fc2_b.typegrad_vs_manual.max_rel > 0.1);
    CHECK(fc2_b.typegrad_vs_fd.max_rel > 0.1);
    CHECK(fc2_b.fd_checked > 0);
    CHECK(r.parameters[0].typegrad_vs_manual.max_rel <= r.tol.typegrad_vs_manual); // the rest is right
}

// Weights held by symbol, as in a parameter store (a local class may not have a
// member template, so it lives here).
struct weights_by_symbol {
    const gc::network& net;
    template <class S>
    const xt::xtensor<double, 2>& operator[](S) const {
        constexpr std::string_view name = S::name.view();
        const std::size_t l = std::size_t(name[2] - '1');
        return name.back() == 'W' ? net.theta.W[l] : net.theta.b[l];
    }
};

TEST_CASE("run<Model> checks a model at the weights it is given, as the trainer does") {
    using model = typegrad::nn::mlp<3, gc::activation::tanh, gc::head::softmax_ce>;
    gc::options o;
    o.layers = {5, 4, 6, 3};
    o.batch = 8;
    o.out = gc::head::softmax_ce;
    const gc::network net = gc::random_network(o);
    const gc::report r = gc::run<model>(weights_by_symbol{net}, net.x, net.y, 0);
    REQUIRE(r.parameters.size() == 6);
    CHECK(r.parameters[4].name == "fc3.W");
    for (const auto& p : r.parameters) CHECK(p.fd_checked == p.rows * p.cols);
    CHECK(r.passed());
    CHECK(r.opts.hidden == gc::activation::tanh);
}
