// SPDX-License-Identifier: MIT
// The executor's name for the printer's static entry points (text(i), symbols(i)):
// one printer, print/printer.hpp.
#pragma once

#include <typegrad/print/printer.hpp>

namespace typegrad {

template <class Nodes>
using graph_text = printer<Nodes>;

} // namespace typegrad
