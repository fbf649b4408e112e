// SPDX-License-Identifier: MIT
// The training loop for the relu models of every supported depth (one translation unit
// per activation keeps compile time and memory per unit small).
#include "train.hpp"

template int train<dense_model<1, typegrad::nn::activation::relu>>(const options&);
template int train<dense_model<2, typegrad::nn::activation::relu>>(const options&);
template int train<dense_model<3, typegrad::nn::activation::relu>>(const options&);
template int train<dense_model<4, typegrad::nn::activation::relu>>(const options&);
