// SPDX-License-Identifier: MIT
// The training loop for the convnet with dropout (--model convnet), in its own translation unit.
#include "train.hpp"

template int train<convnet_model>(const options&);
