// SPDX-License-Identifier: MIT
// How many times operator new has run in this process (tests link
// support/allocation_counter.cpp, which replaces the global operator new).
#pragma once

namespace typegrad::testing {
long allocations();
}
