// SPDX-License-Identifier: MIT
// The models the trainer can train: a type list, searched once at start-up for the one
// the options select. Adding a model is adding it to `models`, saying when the options
// select it (`selects`), how its parameters start (`initialise`) and instantiating
// train<Model> in a train_*.cpp unit.
#pragma once

#include <array>
#include <cstddef>
#include <random>
#include <vector>

#include <typegrad/expr/type_list.hpp>
#include <typegrad/nn/init.hpp>
#include <typegrad/nn/kinds.hpp>
#include <typegrad/nn/lenet.hpp>
#include <typegrad/nn/model.hpp>

#include "options.hpp"

// Dense classifiers with 0 to 3 hidden layers (Depth = hidden + 1) and softmax cross-entropy.
template <std::size_t Depth, typegrad::nn::activation A>
using dense_model = typegrad::nn::mlp<Depth, A, typegrad::nn::head::softmax_ce>;

template <typegrad::nn::activation A>
using dense_models = typegrad::meta::type_list<dense_model<1, A>, dense_model<2, A>, dense_model<3, A>, dense_model<4, A>>;

// LeNet-5 and the wider convnet with dropout (nn/lenet.hpp), with softmax cross-entropy;
// `shapes` are their parameters' shapes, in the order of their `parameters`.
struct lenet_model : typegrad::nn::classifier<typegrad::nn::lenet5> {
    static constexpr const auto& shapes = typegrad::nn::lenet5_shapes;
};
struct convnet_model : typegrad::nn::classifier<typegrad::nn::convnet> {
    static constexpr const auto& shapes = typegrad::nn::convnet_shapes;
};

using models = typegrad::meta::concat_t<dense_models<typegrad::nn::activation::relu>,
                                        dense_models<typegrad::nn::activation::tanh>,
                                        dense_models<typegrad::nn::activation::sigmoid>,
                                        typegrad::meta::type_list<lenet_model, convnet_model>>;

// Whether the options ask for this model.
template <std::size_t Depth, typegrad::nn::activation A, typegrad::nn::head H>
bool selects(const options& opt, typegrad::nn::mlp<Depth, A, H>*) {
    return opt.model == architecture::mlp && opt.hidden.size() + 1 == Depth && opt.activation == A;
}

inline bool selects(const options& opt, lenet_model*) { return opt.model == architecture::lenet; }
inline bool selects(const options& opt, convnet_model*) { return opt.model == architecture::convnet; }

// Starting weights: fcL.W is sizes[L] × sizes[L−1] (He-uniform for relu, Xavier-uniform
// otherwise, drawn layer by layer from one generator), fcL.b is zero.
template <std::size_t Depth, typegrad::nn::activation A, typegrad::nn::head H, class Store>
void initialise(Store& store, const std::vector<std::size_t>& sizes, std::mt19937_64& rng,
                typegrad::nn::mlp<Depth, A, H>*) {
    using model = typegrad::nn::mlp<Depth, A, H>;
    [&]<std::size_t... L>(std::index_sequence<L...>) {
        const auto layer = [&]<class Layer>(Layer, std::size_t l) {
            auto& W = store[Layer::W];
            W = xt::zeros<float>({sizes[l + 1], sizes[l]});
            store[Layer::b] = xt::zeros<float>({sizes[l + 1], std::size_t(1)});
            if constexpr (A == typegrad::nn::activation::relu) typegrad::nn::he_uniform(W, rng);
            else typegrad::nn::xavier_uniform(W, rng);
        };
        (layer(typename model::template layer<L + 1>{}, L), ...);
    }(std::make_index_sequence<Depth>{});
}

// A convolutional model's starting weights, its parameters in order from one generator:
// each weight (a kernel bank, a dense matrix) He-uniform over its fan-in (its columns:
// C·k·k for a kernel), each bias zero. The shapes are the model's own.
template <class Store, class Model>
    requires requires { Model::shapes; }
void initialise(Store& store, const std::vector<std::size_t>&, std::mt19937_64& rng, Model*) {
    [&]<class... P>(typegrad::meta::type_list<P...>) {
        std::size_t i = 0;
        const auto parameter = [&](auto& value, const std::array<std::size_t, 2>& shape) {
            value = xt::zeros<float>({shape[0], shape[1]});
            if (shape[1] != 1) typegrad::nn::he_uniform(value, rng);
        };
        (parameter(store[P{}], Model::shapes[i++]), ...);
    }(typename Model::parameters{});
}

// The first model of the list the options select: train<Model>(opt); 2 if none does.
template <class... Model>
int train_selected(const options& opt, typegrad::meta::type_list<Model...>) {
    int status = 2;
    (void)((selects(opt, static_cast<Model*>(nullptr)) ? (status = train<Model>(opt), true) : false) || ...);
    return status;
}
