// SPDX-License-Identifier: MIT
// Models composed from layers: the parameter list is the layers' symbols in order,
// the derived gradient matches finite differences, and the printer uses the names
// the layers give.
#include <support/finite_differences.hpp>

#include <typegrad/nn/model.hpp>

namespace tg = typegrad;
namespace nn = typegrad::nn;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
template <class List>
std::vector<std::string> names_of() {
    return []<class... P>(tg::meta::type_list<P...>) {
        return std::vector<std::string>{std::string(P::name.view())...};
    }(List{});
}

xt::xtensor<double, 2> one_hot(std::size_t classes, std::size_t batch, unsigned seed) {
    xt::xtensor<double, 2> y = xt::zeros<double>({classes, batch});
    for (std::size_t j = 0; j < batch; ++j) y((j * 7 + seed) % classes, j) = 1;
    return y;
}
} // namespace

TEST_CASE("a dense stack declares fc1.W, fc1.b, fc2.W, ... in layer order") {
    using model = nn::dense_stack<3, nn::tanh_layer>;
    CHECK(names_of<model::parameters>() ==
          std::vector<std::string>{"fc1.W", "fc1.b", "fc2.W", "fc2.b", "fc3.W", "fc3.b"});
    using hand = nn::sequential<nn::dense<"enc">, nn::relu_layer, nn::dense<"head">>;
    CHECK(names_of<hand::parameters>() == std::vector<std::string>{"enc.W", "enc.b", "head.W", "head.b"});
}

TEST_CASE("a classifier's derived gradient matches finite differences for every activation") {
    const std::size_t features = 5, hidden = 4, classes = 3, batch = 6;
    auto check = [&]<class Activation>(Activation, unsigned seed) {
        using model = nn::classifier<nn::dense_stack<2, Activation>>;
        auto X = random_matrix(features, batch, -1, 1, seed);
        auto Y = one_hot(classes, batch, seed);
        auto W1 = random_matrix(hidden, features, -1, 1, seed + 1);
        auto b1 = random_matrix(hidden, 1, -0.5, 0.5, seed + 2);
        auto W2 = random_matrix(classes, hidden, -1, 1, seed + 3);
        auto b2 = random_matrix(classes, 1, -0.5, 0.5, seed + 4);
        using fc1 = nn::fc<1>;
        using fc2 = nn::fc<2>;
        auto v = tg::values(model::x = X, model::y = Y, fc1::W = W1, fc1::b = b1, fc2::W = W2, fc2::b = b2);
        check_gradient(model::loss, v, std::tuple{fc1::W, fc1::b, fc2::W, fc2::b}, std::tie(W1, b1, W2, b2));
    };
    check(nn::sigmoid_layer{}, 1);
    check(nn::tanh_layer{}, 2);
    check(nn::relu_layer{}, 3); // kinks: a random point is further than h from them almost surely
}

TEST_CASE("a binary cross-entropy head on a sequential model is derived like any expression") {
    using model = nn::sequential<nn::dense<"enc">, nn::tanh_layer, nn::dense<"out">>;
    constexpr auto x = tg::var<"x">;
    constexpr auto y = tg::var<"y">;
    constexpr auto J = tg::binary_cross_entropy(tg::sigmoid(model{}(x)), y);
    auto X = random_matrix(4, 5, -1, 1, 11);
    auto Y = random_matrix(2, 5, 0, 1, 12); // soft targets in [0, 1)
    auto We = random_matrix(3, 4, -1, 1, 13), be = random_matrix(3, 1, -1, 1, 14);
    auto Wo = random_matrix(2, 3, -1, 1, 15), bo = random_matrix(2, 1, -1, 1, 16);
    using enc = nn::dense<"enc">;
    using out = nn::dense<"out">;
    auto v = tg::values(x = X, y = Y, enc::W = We, enc::b = be, out::W = Wo, out::b = bo);
    check_gradient(J, v, std::tuple{enc::W, enc::b, out::W, out::b}, std::tie(We, be, Wo, bo));
}

TEST_CASE("the printed gradient of a classifier uses the layers' names") {
    using model = nn::classifier<nn::dense_stack<2, nn::relu_layer>>;
    const std::string text = tg::formula(model::gradient);
    INFO(text);
    CHECK(text.find("∂J/∂fc2.W") != std::string::npos);
    CHECK(text.find("h1ᵀ") != std::string::npos);         // ∂J/∂fc2.W = δ hᵀ, the seed's δ aᵀ
    CHECK(text.find("softmax(z) − y") != std::string::npos); // the fused softmax-CE adjoint
}

TEST_CASE("nn::mlp is a classifier of fc layers whose head is chosen by nn::head") {
    using bce = nn::mlp<3, nn::activation::sigmoid, nn::head::sigmoid_bce>;
    static_assert(bce::depth == 3 && bce::hidden == nn::activation::sigmoid && bce::head == nn::head::sigmoid_bce);
    static_assert(std::is_same_v<bce::layer<2>, nn::fc<2>>);
    CHECK(names_of<bce::parameters>() == std::vector<std::string>{"fc1.W", "fc1.b", "fc2.W", "fc2.b", "fc3.W", "fc3.b"});
    const std::string text = tg::formula(bce::gradient);
    INFO(text);
    CHECK(text.find("a − y") != std::string::npos); // σ and binary cross-entropy fused, as the seed derives

    // and its gradient is the loss's, by finite differences
    const std::size_t batch = 4;
    auto X = random_matrix(3, batch, -1, 1, 21);
    auto Y = random_matrix(2, batch, 0, 1, 22);
    auto W1 = random_matrix(4, 3, -1, 1, 23), b1 = random_matrix(4, 1, -0.5, 0.5, 24);
    auto W2 = random_matrix(2, 4, -1, 1, 25), b2 = random_matrix(2, 1, -0.5, 0.5, 26);
    using net = nn::mlp<2, nn::activation::tanh, nn::head::sigmoid_bce>;
    using fc1 = net::layer<1>;
    using fc2 = net::layer<2>;
    auto v = tg::values(net::x = X, net::y = Y, fc1::W = W1, fc1::b = b1, fc2::W = W2, fc2::b = b2);
    check_gradient(net::loss, v, std::tuple{fc1::W, fc1::b, fc2::W, fc2::b}, std::tie(W1, b1, W2, b2));
}
