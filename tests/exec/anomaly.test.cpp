// SPDX-License-Identifier: MIT
// Anomaly detection: off by default; when on, the first materialised node whose
// value is NaN or infinite throws, named as the printer shows it, with the pass
// that computed it and the symbols it depends on.
#include <doctest/doctest.h>

#include <cmath>
#include <limits>
#include <string>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto W1 = tg::var<"W1">;
constexpr auto b1 = tg::col<"b1">;
constexpr auto W2 = tg::var<"W2">;
constexpr auto a2 = tg::name<"a2">(tg::sigmoid(tg::matmul(W1, x) + b1));
constexpr auto a3 = tg::name<"a3">(tg::matmul(W2, a2)); // no squashing: a3 can be negative
constexpr auto J = tg::name<"J">(tg::sum(tg::log(a3)));
constexpr auto dJ = tg::grad(J, W1, b1, W2);

struct data {
    xt::xtensor<double, 2> X = {{0.5, -1.0, 2.0}, {1.0, 0.25, -0.5}};
    xt::xtensor<double, 2> w1 = {{0.1, -0.2}, {0.3, 0.4}};
    xt::xtensor<double, 2> c1 = {{0.0}, {0.1}};
    xt::xtensor<double, 2> w2 = {{1.0, 2.0}}; // a3 > 0: every log is defined
};

std::string message_of(auto&& f) {
    try {
        f();
    } catch (const tg::anomaly_error& e) {
        return e.what();
    }
    return "";
}
} // namespace

TEST_CASE("anomaly detection is off by default and a NaN flows through") {
    data d;
    d.w2 = {{-1.0, -2.0}}; // a3 < 0: log(a3) is NaN
    auto v = tg::values(x = d.X, W1 = d.w1, b1 = d.c1, W2 = d.w2);
    auto step = tg::compile<double>(dJ);
    CHECK_FALSE(step.detects_anomalies());
    step.run(v);
    CHECK(std::isnan(step.value()));
}

TEST_CASE("a NaN in the forward pass is reported at the node that produced it") {
    data d;
    d.w2 = {{-1.0, -2.0}};
    auto v = tg::values(x = d.X, W1 = d.w1, b1 = d.c1, W2 = d.w2);
    auto step = tg::compile<double>(dJ);
    step.detect_anomalies();
    const std::string m = message_of([&] { step.run(v); });
    INFO(m);
    CHECK(m.find("log(a3)") != std::string::npos);
    CHECK(m.find("forward pass") != std::string::npos);
    CHECK(m.find("NaN at (0, 0)") != std::string::npos);
    CHECK(m.find("depends on W2, W1, x, b1") != std::string::npos); // in topological order
}

TEST_CASE("an infinity in the backward pass is reported with the name formula() gives it") {
    data d;
    d.w2 = {{0.0, 0.0}}; // a3 = 0: log(a3) = −inf, and ∂J/∂a3 = 1 / a3 = +inf
    auto v = tg::values(x = d.X, W1 = d.w1, b1 = d.c1, W2 = d.w2);
    auto step = tg::compile<double>(tg::grad(tg::sum(tg::sqrt(a3)), W1, b1, W2));
    step.detect_anomalies();
    const std::string m = message_of([&] { step.run(v); });
    INFO(m);
    CHECK(m.find("backward pass") != std::string::npos);
    CHECK(m.find("inf") != std::string::npos);
    CHECK(m.find("√(a3)") != std::string::npos); // 1 / (2 √a3), the adjoint of a3
}

TEST_CASE("finite values pass the check and give the same results as without it") {
    data d;
    auto v = tg::values(x = d.X, W1 = d.w1, b1 = d.c1, W2 = d.w2);
    auto plain = tg::compile<double>(dJ);
    auto checked = tg::compile<double>(dJ);
    checked.detect_anomalies();
    plain.run(v);
    CHECK_NOTHROW(checked.run(v));
    CHECK(plain.value() == checked.value());
    CHECK(plain[W1] == checked[W1]);
    checked.detect_anomalies(false);
    d.w2 = {{-1.0, -2.0}};
    CHECK_NOTHROW(checked.run(v)); // switched off again
}

TEST_CASE("a program of a plain expression names the node as to_text does") {
    xt::xtensor<double, 2> X = {{1.0, -1.0}};
    auto p = tg::compile<double>(tg::sum(tg::sqrt(x)));
    p.detect_anomalies();
    const std::string m = message_of([&] { p.run(tg::values(x = X)); });
    INFO(m);
    CHECK(m.find("√(x) is NaN at (0, 1)") != std::string::npos);
}
