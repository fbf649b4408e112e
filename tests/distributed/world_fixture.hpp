// SPDX-License-Identifier: MIT
// The MPI job the distributed tests run in (started by mpi_main.cpp).
#pragma once

#include <typegrad/distributed/world.hpp>

extern typegrad::distributed::world* test_world;
