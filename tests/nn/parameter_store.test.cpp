// SPDX-License-Identifier: MIT
// The parameter store: entries found by symbol, a step that is the optimiser's own
// arithmetic, checkpoints that restore everything (or refuse and change nothing), and
// gradients offered in backward order.
#include <typegrad/io/parameter_store.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/nn/parameter_store.hpp>
#include <typegrad/typegrad.hpp>

#include <doctest/doctest.h>

#include <array>
#include <filesystem>
#include <string>
#include <vector>

namespace tg = typegrad;
namespace nn = typegrad::nn;
namespace io = typegrad::io;

namespace {

using model = nn::mlp<2, nn::activation::tanh, nn::head::softmax_ce>;
using fc1 = model::layer<1>;
using fc2 = model::layer<2>;

xt::xtensor<float, 2> filled(std::size_t rows, std::size_t cols, float start) {
    xt::xtensor<float, 2> t = xt::zeros<float>({rows, cols});
    for (std::size_t i = 0; i < t.size(); ++i) t.data()[i] = start + 0.01f * float(i % 17) - 0.07f * float(i % 5);
    return t;
}

template <class Store>
void initialise(Store& s) {
    s[fc1::W] = filled(4, 3, 0.1f);
    s[fc1::b] = filled(4, 1, -0.2f);
    s[fc2::W] = filled(2, 4, 0.3f);
    s[fc2::b] = filled(2, 1, 0.05f);
}

struct batch {
    xt::xtensor<float, 2> X = filled(3, 5, 0.5f);
    xt::xtensor<float, 2> Y = xt::xtensor<float, 2>{{1, 0, 0, 1, 1}, {0, 1, 1, 0, 0}};
};

// `steps` training steps of the store on one batch.
template <class Store>
void train(Store& s, const batch& b, int steps) {
    auto values = s.values(model::x = b.X, model::y = b.Y);
    auto program = tg::compile<float>(model::gradient);
    s.bind_gradients(program);
    for (int i = 0; i < steps; ++i) {
        program.run(values);
        s.step();
    }
}

} // namespace

TEST_CASE("a store's entries are found by symbol, in the model's parameter order") {
    nn::store_for<model, float, nn::sgd<float>> store(nn::sgd<float>({.lr = 0.1}));
    initialise(store);
    CHECK(store[fc2::W].shape() == std::array<std::size_t, 2>{2, 4});
    CHECK(&store[fc1::b] == &store.entry(fc1::b).value);
    std::vector<std::string> names;
    boost::hana::for_each(store, [&](const auto& e) { names.emplace_back(decltype(e.symbol)::name.view()); });
    CHECK(names == std::vector<std::string>{"fc1.W", "fc1.b", "fc2.W", "fc2.b"});
}

TEST_CASE("a store's step is the optimiser's step, bit for bit, for SGD with momentum and Adam") {
    const batch b;
    const auto same_as_named_step = [&]<class Optimiser>(Optimiser opt) {
        nn::store_for<model, float, Optimiser> store(opt);
        initialise(store);
        train(store, b, 3);

        // The same three steps through the name-keyed interface.
        std::array<xt::xtensor<float, 2>, 4> t{filled(4, 3, 0.1f), filled(4, 1, -0.2f), filled(2, 4, 0.3f), filled(2, 1, 0.05f)};
        const std::vector<nn::parameter<float>> params{{"fc1.W", &t[0]}, {"fc1.b", &t[1]}, {"fc2.W", &t[2]}, {"fc2.b", &t[3]}};
        auto values = tg::values(model::x = b.X, model::y = b.Y, fc1::W = t[0], fc1::b = t[1], fc2::W = t[2], fc2::b = t[3]);
        auto program = tg::compile<float>(model::gradient);
        const std::array<const xt::xtensor<float, 2>*, 4> grads{&program[fc1::W], &program[fc1::b], &program[fc2::W],
                                                                &program[fc2::b]};
        Optimiser named = opt;
        for (int i = 0; i < 3; ++i) {
            program.run(values);
            named.step(params, grads);
        }
        CHECK(store[fc1::W] == t[0]);
        CHECK(store[fc1::b] == t[1]);
        CHECK(store[fc2::W] == t[2]);
        CHECK(store[fc2::b] == t[3]);
        CHECK(store[fc1::W] != filled(4, 3, 0.1f)); // it did move
    };
    same_as_named_step(nn::sgd<float>({.lr = 0.1, .momentum = 0.9, .weight_decay = 0.01}));
    same_as_named_step(nn::adam<float>({.lr = 0.01, .weight_decay = 0.01}));
}

TEST_CASE("a checkpointed store resumes exactly where it stopped") {
    const batch b;
    const auto resumes = [&]<class Optimiser>(Optimiser opt) {
        nn::store_for<model, float, Optimiser> straight(opt), first(opt), resumed(opt);
        initialise(straight);
        initialise(first);
        train(straight, b, 4);
        train(first, b, 2);
        const auto path = std::filesystem::temp_directory_path() / "typegrad_parameter_store_test.ckpt";
        io::save_checkpoint(path, io::to_checkpoint(first));
        initialise(resumed); // shapes only: the checkpoint replaces the values
        io::restore(resumed, io::load_checkpoint(path));
        std::filesystem::remove(path);
        CHECK(resumed[fc2::W] == first[fc2::W]);
        train(resumed, b, 2);
        CHECK(resumed[fc1::W] == straight[fc1::W]);
        CHECK(resumed[fc1::b] == straight[fc1::b]);
        CHECK(resumed[fc2::W] == straight[fc2::W]);
        CHECK(resumed[fc2::b] == straight[fc2::b]);
    };
    resumes(nn::sgd<float>({.lr = 0.1, .momentum = 0.9}));
    resumes(nn::adam<float>({.lr = 0.02}));
}

TEST_CASE("restoring a checkpoint of another optimiser or shape is refused and changes nothing") {
    const batch b;
    nn::store_for<model, float, nn::sgd<float>> sgd_store(nn::sgd<float>({.lr = 0.1, .momentum = 0.9}));
    initialise(sgd_store);
    train(sgd_store, b, 1);
    const io::checkpoint of_sgd = io::to_checkpoint(sgd_store);

    nn::store_for<model, float, nn::adam<float>> store(nn::adam<float>({.lr = 0.5}));
    initialise(store);
    train(store, b, 1);
    const auto before = store[fc1::W];
    const auto step_before = store.entry(fc1::W).state.step;
    CHECK_THROWS_WITH_AS(io::restore(store, of_sgd), doctest::Contains("the state is for \"sgd\", not \"adam\""),
                         nn::optimiser_error);
    CHECK(store[fc1::W] == before);
    CHECK(store.entry(fc1::W).state.step == step_before);
    CHECK(store.optimiser().hyper_parameters().lr == 0.5);

    io::checkpoint wrong = io::to_checkpoint(store);
    wrong.parameters[0].value = xt::xtensor<float, 2>(xt::zeros<float>({5, 3}));
    for (auto& t : wrong.optimiser_tensors) t.value = xt::xtensor<float, 2>(xt::zeros<float>({1, 1}));
    CHECK_THROWS_WITH_AS(io::restore(store, wrong), doctest::Contains("fc1.W"), nn::optimiser_error);
    CHECK(store[fc1::W] == before);
}

TEST_CASE("a step without a bound gradient names the parameter") {
    nn::store_for<model, float, nn::sgd<float>> store(nn::sgd<float>({.lr = 0.1}));
    initialise(store);
    CHECK_THROWS_WITH_AS(store.step(), doctest::Contains("\"fc1.W\" has no gradient bound"), nn::optimiser_error);
}

TEST_CASE("gradients are offered in backward order, the last layer's first") {
    const batch b;
    nn::store_for<model, float, nn::sgd<float>> store(nn::sgd<float>({.lr = 0.1}));
    initialise(store);
    auto values = store.values(model::x = b.X, model::y = b.Y);
    auto program = tg::compile<float>(model::gradient);
    store.bind_gradients(program);
    program.run(values);
    std::vector<std::string> order;
    store.for_each_backward([&](auto& e) {
        order.emplace_back(decltype(e.symbol)::name.view());
        CHECK(e.gradient == &program[e.symbol]);
    });
    CHECK(order == std::vector<std::string>{"fc2.b", "fc2.W", "fc1.b", "fc1.W"});
}
