// SPDX-License-Identifier: MIT
// typegrad's float programs for networks of 4 weight layers.
#include "typegrad_steps.hpp"

template void typegrad::bench::register_typegrad<float, 4>(const mlp_case&);
