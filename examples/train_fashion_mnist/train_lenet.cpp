// SPDX-License-Identifier: MIT
// --model lenet: LeNet-5 (include/typegrad/nn/lenet.hpp), in its own translation unit.
#include "train_conv.hpp"

int train_lenet(const options& opt) { return train_image_model<tg::nn::lenet5>(opt, tg::nn::lenet5_shapes); }
