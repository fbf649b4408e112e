// SPDX-License-Identifier: MIT
// Every public template of nn/, gradcheck/model.hpp, io/parameter_store.hpp and hana.hpp,
// instantiated at least once, so that a template that would not compile (a missing
// include, a misspelt member) breaks the build here rather than in a user's code.
// Compiled, not run: the header check builds it with the one-header units.
#include <typegrad/gradcheck/model.hpp>
#include <typegrad/hana.hpp>
#include <typegrad/io/parameter_store.hpp>
#include <typegrad/nn/init.hpp>
#include <typegrad/nn/kinds.hpp>
#include <typegrad/nn/layers.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/nn/optim.hpp>
#include <typegrad/nn/parameter_store.hpp>

namespace typegrad::nn {
template struct dense<"probe">;
template struct activation_layer<activation::sigmoid>;
template struct activation_layer<activation::tanh>;
template struct activation_layer<activation::relu>;
template struct named<"h", relu_layer>;
template struct sequential<dense<"a">, tanh_layer, dense<"b">>;
template struct classifier<dense_stack<2, sigmoid_layer>, head::softmax_ce>;
template struct classifier<dense_stack<1, relu_layer>, head::sigmoid_bce>;
template struct mlp<2, activation::relu, head::softmax_ce>;
template struct mlp<2, activation::tanh, head::sigmoid_bce>;
template struct parameter_entry<std::remove_const_t<decltype(fc<1>::W)>, float, adam<float>>;
template class parameter_store<mlp<2, activation::relu, head::softmax_ce>::parameters, float, adam<float>>;
template class parameter_store<mlp<2, activation::sigmoid, head::sigmoid_bce>::parameters, double, sgd<double>>;
template void uniform<float>(xt::xtensor<float, 2>&, double, std::mt19937_64&);
template void xavier_uniform<float>(xt::xtensor<float, 2>&, std::mt19937_64&);
template void xavier_uniform<double>(xt::xtensor<double, 2>&, std::mt19937_64&);
template void he_uniform<float>(xt::xtensor<float, 2>&, std::mt19937_64&);
template void he_uniform<double>(xt::xtensor<double, 2>&, std::mt19937_64&);
} // namespace typegrad::nn

namespace {
namespace tg = typegrad;
using model = tg::nn::mlp<2, tg::nn::activation::relu, tg::nn::head::softmax_ce>;
using store = tg::nn::store_for<model, float, tg::nn::adam<float>>;

// Function templates whose arguments are deduced are instantiated by taking their address
// or calling them from a function that is itself never called.
[[maybe_unused]] void instantiate(store& s, const tg::io::checkpoint& c, const xt::xtensor<float, 2>& x) {
    auto program = tg::compile<float>(model::gradient);
    s.bind_gradients(program);
    s.step();
    s.for_each_backward([](auto&) {});
    (void)s.values(model::x = x, model::y = x);
    (void)tg::io::to_checkpoint(s);
    tg::io::restore(s, c);
    (void)tg::gradcheck::run<model>(s, x, x);
    (void)&tg::gradcheck::gradient<model, float>;
    (void)tg::gradcheck::reference_params<model>(s);
    boost::hana::for_each(tg::parameters_of<model>, [](auto) {});
    boost::hana::for_each(model::gradient, [](auto) {});
    boost::hana::for_each(program, [](const auto&) {});
    boost::hana::for_each(s, [](auto&) {});
    (void)tg::nn::head_loss<tg::nn::head::sigmoid_bce>(model::logits, model::y);
}
} // namespace
