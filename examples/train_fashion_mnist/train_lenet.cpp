// SPDX-License-Identifier: MIT
// The training loop for LeNet-5 (--model lenet), in its own translation unit.
#include "train.hpp"

template int train<lenet_model>(const options&);
