// SPDX-License-Identifier: MIT
// typegrad's double programs for networks of 4 weight layers.
#include "typegrad_steps.hpp"

template void typegrad::bench::register_typegrad<double, 4>(const mlp_case&);
