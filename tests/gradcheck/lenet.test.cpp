// SPDX-License-Identifier: MIT
// typegrad::gradcheck::run_lenet and check_lenet: LeNet-5's derived gradient agrees with
// the hand-written reference and with finite differences in double and float, entries
// are really compared despite the relu and max-pool kinks, and a wrong gradient fails.
#include <typegrad/gradcheck/lenet.hpp>

#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

namespace {

namespace gc = typegrad::gradcheck;

gc::options lenet_options(gc::dtype type, std::uint64_t seed) {
    gc::options o;
    o.batch = 3;
    o.type = type;
    o.seed = seed;
    o.fd_samples = 6;
    return o;
}

// Every tensor had its fd_samples entries compared, none left without a check.
void check_all_sampled(const gc::report& r) {
    REQUIRE(r.parameters.size() == 10);
    CHECK(r.parameters.front().name == "conv1.K");
    CHECK(r.parameters.back().name == "fc3.b");
    for (const auto& p : r.parameters) {
        CAPTURE(p.name);
        CHECK(p.fd_checked == std::min<std::size_t>(r.opts.fd_samples, p.rows * p.cols));
    }
}

} // namespace

TEST_CASE("LeNet-5: typegrad, the reference and finite differences agree in double and float") {
    for (const auto type : {gc::dtype::float64, gc::dtype::float32})
        for (const std::uint64_t seed : {1u, 2u}) {
            const auto r = gc::run_lenet(lenet_options(type, seed));
            CAPTURE(gc::to_string(type));
            CAPTURE(seed);
            for (const auto& f : r.failures())
                FAIL_CHECK(f);
            CHECK(r.passed());
            check_all_sampled(r);
        }
}

TEST_CASE("LeNet-5: a perturbed gradient fails against both the reference and finite differences") {
    // 3 S makes the perturbed entry the tensor's largest, which is always sampled.
    auto o = lenet_options(gc::dtype::float64, 1);
    o.perturb = 3;
    const auto r = gc::run_lenet(o);
    CHECK_FALSE(r.passed());
    CHECK(r.parameters.front().typegrad_vs_manual.max_rel > r.tol.typegrad_vs_manual);
    CHECK(r.parameters.front().typegrad_vs_fd.max_rel > r.tol.vs_fd);
    CHECK(r.parameters.front().manual_vs_fd.max_rel <= r.tol.vs_fd);
}

TEST_CASE("LeNet-5: invalid options and misshaped networks are refused, naming the problem") {
    auto o = lenet_options(gc::dtype::float64, 1);
    o.batch = 0;
    CHECK_THROWS_WITH_AS(gc::run_lenet(o), doctest::Contains("batch 0"), std::invalid_argument);
    o.batch = 3;
    auto net = gc::random_lenet_network(o);
    net.theta[2] = xt::zeros<double>({std::size_t(16), std::size_t(149)});
    const gc::lenet_gradient_fn<double> none = nullptr;
    CHECK_THROWS_WITH_AS(gc::check_lenet<double>(o, net, none), doctest::Contains("lenet5_shapes"),
                         std::invalid_argument);
}
