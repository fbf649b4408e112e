// SPDX-License-Identifier: MIT
// Dropout as a layer: a model declares its masks, the derived gradient is the loss's
// (finite differences, with the mask held fixed as during one step), dropped units get
// no gradient, and a mask_set draws masks that are 0 or 1/(1 − rate) at the rate asked,
// whose column parts are the parts of one whole-batch draw.
#include <support/allocation_counter.hpp>
#include <support/finite_differences.hpp>

#include <typegrad/nn/dropout.hpp>
#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>

namespace tg = typegrad;
namespace nn = typegrad::nn;
using tg::testing::check_gradient;
using tg::testing::random_matrix;

namespace {
using hidden_dropout = nn::dropout_layer<"drop", 4, 50>;
using model = nn::classifier<nn::sequential<nn::dense<"fc1">, nn::relu_layer, hidden_dropout, nn::dense<"fc2">>>;
using fc1 = nn::dense<"fc1">;
using fc2 = nn::dense<"fc2">;

template <class List>
std::vector<std::string> mask_names() {
    return []<class... D>(tg::meta::type_list<D...>) {
        return std::vector<std::string>{std::string(decltype(D::mask)::name.view())...};
    }(List{});
}

xt::xtensor<double, 2> one_hot(std::size_t classes, std::size_t batch) {
    xt::xtensor<double, 2> y = xt::zeros<double>({classes, batch});
    for (std::size_t j = 0; j < batch; ++j) y(j % classes, j) = 1;
    return y;
}
} // namespace

TEST_CASE("a model lists its dropout layers' masks in layer order, and has no parameter for them") {
    CHECK(mask_names<model::masks>() == std::vector<std::string>{"drop.mask"});
    CHECK(mask_names<nn::classifier<nn::convnet>::masks>() == std::vector<std::string>{"drop1.mask", "drop2.mask"});
    CHECK(mask_names<nn::mlp<2, nn::activation::relu, nn::head::softmax_ce>::masks>().empty());
    static_assert(model::parameters::size == 4);
    static_assert(decltype(hidden_dropout::mask)::rows == 4 && hidden_dropout::rate == 0.5);
}

TEST_CASE("the gradient through a dropout layer matches finite differences, and dropped units get none") {
    const std::size_t batch = 5;
    auto X = random_matrix(3, batch, -1, 1, 1);
    auto Y = one_hot(2, batch);
    auto W1 = random_matrix(4, 3, -1, 1, 2), b1 = random_matrix(4, 1, 0.5, 1, 3); // relu inputs mostly > 0
    auto W2 = random_matrix(2, 4, -1, 1, 4), b2 = random_matrix(2, 1, -0.5, 0.5, 5);
    nn::mask_set<model::masks, double> masks;
    std::mt19937_64 rng(7);
    masks.draw(rng, 0, batch, batch);
    // Unit 2 dropped for every example: no gradient may reach fc1's row 2.
    xt::xtensor<double, 2> mask = masks[0];
    xt::view(mask, 2, xt::all()) = 0.0;
    auto v = tg::values(model::x = X, model::y = Y, fc1::W = W1, fc1::b = b1, fc2::W = W2, fc2::b = b2,
                        hidden_dropout::mask = mask);
    check_gradient(model::loss, v, std::tuple{fc1::W, fc1::b, fc2::W, fc2::b}, std::tie(W1, b1, W2, b2));

    auto program = tg::compile<double>(model::gradient);
    program.run(v);
    CHECK(xt::all(xt::equal(xt::view(program[fc1::W], 2, xt::all()), 0.0)));
    CHECK(program[fc1::b](2, 0) == 0.0);
    CHECK(xt::all(xt::equal(xt::view(program[fc2::W], xt::all(), 2), 0.0))); // its activation reaches fc2 as 0
}

TEST_CASE("the printed model shows the mask as a factor") {
    const std::string text = tg::formula(model::logits);
    INFO(text);
    CHECK(text.find("drop.mask") != std::string::npos);
}

TEST_CASE("drawn masks hold 0 or 1/(1 - rate), at the rate asked; identity holds ones") {
    // 3136 × 64 entries at rate 1/4: the dropped fraction's standard deviation is
    // sqrt(0.25 · 0.75 / 200704) ≈ 0.001, so 0.01 is ten of them.
    using layers = tg::meta::type_list<nn::dropout_layer<"a", 3136, 25>, nn::dropout_layer<"b", 128, 50>>;
    nn::mask_set<layers, float> masks;
    std::mt19937_64 rng(1);
    masks.draw(rng, 0, 64, 64);
    REQUIRE(masks[0].shape(0) == 3136);
    REQUIRE(masks[0].shape(1) == 64);
    REQUIRE(masks[1].shape(0) == 128);
    const auto dropped = [](const xt::xtensor<float, 2>& m, float keep) {
        std::size_t zeros = 0, others = 0;
        for (float v : m) {
            zeros += v == 0.0f;
            others += v != 0.0f && v != keep;
        }
        CHECK(others == 0);
        return double(zeros) / double(m.size());
    };
    CHECK(dropped(masks[0], 1 / 0.75f) == doctest::Approx(0.25).epsilon(0.04));
    CHECK(dropped(masks[1], 2.0f) == doctest::Approx(0.5).epsilon(0.1)); // 8192 entries: sd 0.0055

    masks.identity(1000);
    REQUIRE(masks[0].shape(1) == 1000);
    CHECK(xt::all(xt::equal(masks[0], 1.0f)));
    CHECK(xt::all(xt::equal(masks[1], 1.0f)));
}

TEST_CASE("the parts of a batch drawn from equal generators are the columns of the whole batch's mask") {
    using layers = tg::meta::type_list<nn::dropout_layer<"a", 7, 30>, nn::dropout_layer<"b", 3, 60>>;
    nn::mask_set<layers, double> whole, part;
    std::mt19937_64 one(42), other(42);
    whole.draw(one, 0, 10, 10);
    part.draw(other, 4, 3, 10); // the columns 4, 5, 6 of a 10-column batch
    for (std::size_t k = 0; k < 2; ++k) {
        CAPTURE(k);
        CHECK(part[k] == xt::view(whole[k], xt::all(), xt::range(4, 7)));
    }
}

TEST_CASE("drawing masks of an unchanged shape allocates nothing, so a training step stays allocation-free") {
    using layers = tg::meta::type_list<nn::dropout_layer<"a", 300, 25>, nn::dropout_layer<"b", 40, 50>>;
    nn::mask_set<layers, float> part, whole; // a rank's part of each batch; one process's whole batch
    std::mt19937_64 rng(3);
    part.draw(rng, 8, 32, 64); // the first draws size the buffers
    whole.draw(rng, 0, 64, 64);
    const long before = tg::testing::allocations();
    for (int step = 0; step < 3; ++step) {
        part.draw(rng, 8, 32, 64);
        whole.draw(rng, 0, 64, 64);
    }
    CHECK(tg::testing::allocations() == before);
}
