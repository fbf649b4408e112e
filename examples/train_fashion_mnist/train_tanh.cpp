// SPDX-License-Identifier: MIT
// The training loop for tanh models of every supported depth (one translation unit
// per activation keeps compile time and memory per unit small).
#include "train.hpp"

template int train<1, typegrad::nn::tanh_layer>(const options&);
template int train<2, typegrad::nn::tanh_layer>(const options&);
template int train<3, typegrad::nn::tanh_layer>(const options&);
template int train<4, typegrad::nn::tanh_layer>(const options&);
