// SPDX-License-Identifier: MIT
// Boost.Hana in user code (typegrad/hana.hpp): a model's parameters, a derived gradient
// and a computed gradient are Hana Foldables keyed by symbol.
#include <typegrad/hana.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/typegrad.hpp>

#include <boost/hana/first.hpp>
#include <boost/hana/fold_left.hpp>
#include <boost/hana/length.hpp>
#include <boost/hana/second.hpp>

#include <doctest/doctest.h>

#include <string>
#include <type_traits>
#include <vector>

namespace tg = typegrad;
namespace nn = typegrad::nn;
namespace hana = boost::hana;

namespace {
using model = nn::mlp<2, nn::activation::sigmoid, nn::head::sigmoid_bce>;
}

TEST_CASE("hana::for_each visits a model's parameters in order") {
    static_assert(decltype(hana::length(tg::parameters_of<model>))::value == 4);
    std::vector<std::string> names;
    hana::for_each(tg::parameters_of<model>, [&](auto p) { names.emplace_back(decltype(p)::name.view()); });
    CHECK(names == std::vector<std::string>{"fc1.W", "fc1.b", "fc2.W", "fc2.b"});
}

TEST_CASE("hana::for_each visits a derived gradient's (symbol, expression) entries") {
    std::vector<std::string> lines;
    hana::for_each(model::gradient, [&](auto e) {
        static_assert(std::is_same_v<std::remove_cvref_t<decltype(hana::second(e))>,
                                     std::remove_cvref_t<decltype(model::gradient[hana::first(e)])>>);
        lines.push_back(std::string(std::remove_cvref_t<decltype(hana::first(e))>::name.view()) + ": " + tg::to_text(typename tg::unlabeled<std::remove_cvref_t<decltype(hana::second(e))>>::type{}));
    });
    REQUIRE(lines.size() == 4);
    INFO(lines[3]);
    CHECK(lines[3].rfind("fc2.b: ", 0) == 0);
    CHECK(lines[3].find("a − y") != std::string::npos); // the seed's δ, fused from σ and BCE (the entry's own label ∂J/∂fc2.b stripped)
}

TEST_CASE("hana::for_each and hana::fold_left see a computed gradient's tensors, not copies") {
    const xt::xtensor<double, 2> X{{0.5, -0.3}, {0.2, 0.9}}, Y{{1, 0}};
    const xt::xtensor<double, 2> W1{{0.1, -0.4}, {0.3, 0.2}, {-0.5, 0.6}}, b1{{0.1}, {-0.1}, {0.2}};
    const xt::xtensor<double, 2> W2{{0.7, -0.2, 0.4}}, b2{{0.05}};
    using fc1 = model::layer<1>;
    using fc2 = model::layer<2>;
    auto step = tg::compile<double>(model::gradient);
    step.run(tg::values(model::x = X, model::y = Y, fc1::W = W1, fc1::b = b1, fc2::W = W2, fc2::b = b2));
    std::vector<std::string> names;
    hana::for_each(step, [&](const auto& e) {
        names.emplace_back(decltype(e.symbol)::name.view());
        CHECK(&e.value == &step[e.symbol]);
    });
    CHECK(names == std::vector<std::string>{"fc1.W", "fc1.b", "fc2.W", "fc2.b"});
    const std::size_t entries = hana::fold_left(step, std::size_t(0), [](std::size_t n, const auto& e) { return n + e.value.size(); });
    CHECK(entries == W1.size() + b1.size() + W2.size() + b2.size());
}
