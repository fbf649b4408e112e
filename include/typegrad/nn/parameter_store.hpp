// SPDX-License-Identifier: MIT
// The parameters of a model, owned in one place (as llm.c's ParameterTensors): for each
// parameter symbol, its tensor, its gradient (bound to the program that computes it) and
// its optimiser state. Entries are found by symbol at compile time, never by position
// or name string; the optimiser is part of the type: one optimiser (nn::adam<float>) or a
// closed run-time choice (nn::any_optimiser<float>, a std::variant; nn/optimiser.hpp).
//
//   using model = nn::mlp<2, nn::activation::relu, nn::head::softmax_ce>;
//   nn::store_for<model, float, nn::adam<float>> store(nn::adam<float>({.lr = 1e-3}));
//   store[nn::fc<1>::W] = ...;                       // each parameter's tensor
//   auto values = store.values(model::x = X, model::y = Y);
//   auto step = tg::compile<float>(model::gradient);
//   store.bind_gradients(step);
//   step.run(values);
//   store.step();                                    // the optimiser on every parameter
//   boost::hana::for_each(store, [](auto& e) { e.symbol; e.value; e.gradient; e.state; });
//
// The store is a boost::hana::map from hana::type<P> to its entry, and itself a Hana
// Foldable over its entries, in the model's parameter order.
#pragma once

#include <string>
#include <type_traits>
#include <utility>

#include <boost/hana/at_key.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/map.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/reverse.hpp>
#include <boost/hana/second.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/type.hpp>
#include <boost/hana/unpack.hpp>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/values.hpp>
#include <typegrad/expr/type_list.hpp>
#include <typegrad/nn/optimiser.hpp>

namespace typegrad::nn {

// One parameter: the symbol it is bound to, its value, the gradient last bound to it
// (null until bind_gradients) and the optimiser's state for it.
template <class P, class T, class Optimiser>
struct parameter_entry {
    static constexpr P symbol{};
    xt::xtensor<T, 2> value;
    const xt::xtensor<T, 2>* gradient = nullptr;
    typename optimiser_traits<Optimiser>::slot state;
};

struct parameter_store_tag {};

template <class Parameters, class T, class Optimiser>
class parameter_store;

template <class... P, class T, class Optimiser>
class parameter_store<meta::type_list<P...>, T, Optimiser> {
    static_assert(sizeof...(P) > 0, "typegrad: nn::parameter_store needs at least one parameter");

  public:
    using hana_tag = parameter_store_tag;
    using parameters = meta::type_list<P...>;
    using optimiser_type = Optimiser;
    using traits = optimiser_traits<Optimiser>;
    using value_type = T;
    static constexpr std::size_t size = sizeof...(P);

    explicit parameter_store(Optimiser optimiser) : optimiser_(std::move(optimiser)) {}
    // values() and bind_gradients() hand out pointers into the store: it stays where it is.
    parameter_store(const parameter_store&) = delete;
    parameter_store& operator=(const parameter_store&) = delete;

    // The entry of parameter symbol S; a compile error if S is not one of the parameters.
    template <class S>
    auto& entry(S) {
        static_assert(meta::contains<parameters, S>::value, "typegrad: parameter_store[s] requires s to be one of the store's parameters");
        return boost::hana::at_key(entries_, boost::hana::type_c<S>);
    }
    template <class S>
    const auto& entry(S) const {
        static_assert(meta::contains<parameters, S>::value, "typegrad: parameter_store[s] requires s to be one of the store's parameters");
        return boost::hana::at_key(entries_, boost::hana::type_c<S>);
    }

    template <class S>
    xt::xtensor<T, 2>& operator[](S s) { return entry(s).value; }
    template <class S>
    const xt::xtensor<T, 2>& operator[](S s) const { return entry(s).value; }

    // The model's inputs followed by every parameter, bound by reference: running a
    // program on them reads the store's current tensors.
    template <class... Inputs>
    auto values(Inputs... inputs) {
        return typegrad::values(std::move(inputs)..., (P{} = entry(P{}).value)...);
    }

    // Points each parameter's gradient at program[P], the program's ∂J/∂P (a
    // gradient_program over at least these parameters; its buffers persist across runs).
    template <class Program>
    void bind_gradients(const Program& program) {
        ((entry(P{}).gradient = &program[P{}]), ...);
    }

    // One optimiser step on every parameter from its bound gradient. Throws
    // optimiser_error naming the parameter if a gradient is unbound or misshapen.
    void step() {
        boost::hana::for_each(entries_, [this](auto& pair) {
            auto& e = boost::hana::second(pair);
            check_gradient(e);
            traits::update(optimiser_, e.value, *e.gradient, e.state);
        });
    }

    // Calls f(entry) for each parameter in the order a backward pass finishes their
    // gradients: the last layer's first (for reductions that overlap the backward pass).
    template <class F>
    void for_each_backward(F&& f) {
        boost::hana::for_each(boost::hana::reverse(boost::hana::tuple_t<P...>),
                              [&](auto t) { f(entry(typename decltype(t)::type{})); });
    }

    const Optimiser& optimiser() const { return optimiser_; }
    // Replaces the optimiser (its hyper-parameters); the per-parameter state stays.
    void set_optimiser(Optimiser o) { optimiser_ = std::move(o); }

    // The heterogeneous map itself: hana::type<P> → parameter_entry.
    auto& entries() { return entries_; }
    const auto& entries() const { return entries_; }

  private:
    template <class E>
    static void check_gradient(const E& e) {
        const std::string name(decltype(E::symbol)::name.view());
        if (e.gradient == nullptr)
            throw optimiser_error("parameter_store::step: parameter \"" + name + "\" has no gradient bound");
        if (e.gradient->shape() != e.value.shape())
            throw optimiser_error("parameter_store::step: parameter \"" + name + "\" has shape (" +
                                  std::to_string(e.value.shape(0)) + ", " + std::to_string(e.value.shape(1)) +
                                  ") but its gradient has shape (" + std::to_string(e.gradient->shape(0)) + ", " +
                                  std::to_string(e.gradient->shape(1)) + ")");
    }

    Optimiser optimiser_;
    boost::hana::map<boost::hana::pair<boost::hana::type<P>, parameter_entry<P, T, Optimiser>>...> entries_;
};

// The store of a model's parameters (Model::parameters: fc1.W, fc1.b, ...).
template <class Model, class T, class Optimiser>
using store_for = parameter_store<typename Model::parameters, T, Optimiser>;

} // namespace typegrad::nn

// hana::for_each(store, f), hana::unpack(store, f), ...: the store is Foldable over its
// entries (not over the map's pairs), so f sees e.symbol, e.value, e.gradient, e.state.
template <>
struct boost::hana::unpack_impl<typegrad::nn::parameter_store_tag> {
    template <class Store, class F>
    static constexpr decltype(auto) apply(Store&& store, F&& f) {
        return boost::hana::unpack(static_cast<Store&&>(store).entries(), [&](auto&&... pairs) -> decltype(auto) {
            return static_cast<F&&>(f)(boost::hana::second(static_cast<decltype(pairs)&&>(pairs))...);
        });
    }
};
