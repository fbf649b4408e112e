// SPDX-License-Identifier: MIT
// Convolutional classifiers for 28×28 grey images (Fashion-MNIST), as types.
//
// LeNet-5 (the variant): conv 6@5×5 pad 2, relu, max-pool 2,
// conv 16@5×5, relu, max-pool 2, dense 120, relu, 84, relu, 10. Convolution outputs
// are labelled z1, z3 and activations a1..a6, as in the seed (z, then a = g(z)), so
// the printed backward pass names δ1, δ3, δ5, δ6 after the layers.
//
// The wider convnet (--model convnet): two 3×3 convolutions of 32 and 64 channels, each
// with relu and 2×2 max-pooling, dropout of a quarter of the 3136 features, a dense layer
// of 128 with relu, dropout of half of them, and 10 logits.
#pragma once

#include <array>
#include <cstddef>

#include <typegrad/nn/conv.hpp>
#include <typegrad/nn/dropout.hpp>
#include <typegrad/nn/layers.hpp>

namespace typegrad::nn {

using lenet5 = sequential<
    named<"z1", conv<"conv1", window<1, 28, 28, 5, 1, 2>, 6>>, named<"a1", relu_layer>, // 6×28×28
    named<"a2", max_pool_layer<window<6, 28, 28, 2, 2>>>,                                // 6×14×14
    named<"z3", conv<"conv2", window<6, 14, 14, 5>, 16>>, named<"a3", relu_layer>,        // 16×10×10
    named<"a4", max_pool_layer<window<16, 10, 10, 2, 2>>>,                               // 16×5×5
    flatten_layer,                                                                       // 400
    dense<"fc1">, named<"a5", relu_layer>,                                               // 120
    dense<"fc2">, named<"a6", relu_layer>,                                               // 84
    dense<"fc3">>;                                                                       // 10

// The shapes of lenet5's parameters, in the order of its `parameters` list
// (conv1.K, conv1.b, conv2.K, conv2.b, fc1.W, fc1.b, fc2.W, fc2.b, fc3.W, fc3.b).
inline constexpr std::array<std::array<std::size_t, 2>, 10> lenet5_shapes = {
    {{6, 25}, {6, 1}, {16, 150}, {16, 1}, {120, 400}, {120, 1}, {84, 120}, {84, 1}, {10, 84}, {10, 1}}};

using convnet = sequential<
    named<"z1", conv<"conv1", window<1, 28, 28, 3, 1, 1>, 32>>, named<"a1", relu_layer>, // 32×28×28
    named<"a2", max_pool_layer<window<32, 28, 28, 2, 2>>>,                               // 32×14×14
    named<"z3", conv<"conv2", window<32, 14, 14, 3, 1, 1>, 64>>, named<"a3", relu_layer>, // 64×14×14
    named<"a4", max_pool_layer<window<64, 14, 14, 2, 2>>>,                               // 64×7×7
    flatten_layer, dropout_layer<"drop1", 64 * 7 * 7, 25>,                               // 3136
    dense<"fc1">, named<"a5", relu_layer>, dropout_layer<"drop2", 128, 50>,               // 128
    dense<"fc2">>;                                                                       // 10

// The shapes of convnet's parameters, in the order of its `parameters` list
// (conv1.K, conv1.b, conv2.K, conv2.b, fc1.W, fc1.b, fc2.W, fc2.b).
inline constexpr std::array<std::array<std::size_t, 2>, 8> convnet_shapes = {
    {{32, 9}, {32, 1}, {64, 288}, {64, 1}, {128, 3136}, {128, 1}, {10, 128}, {10, 1}}};

} // namespace typegrad::nn
