// SPDX-License-Identifier: MIT
// world's MPI state, shared by the sources of typegrad::distributed (not installed).
#pragma once

#include <mpi.h>

#include <string>

#include <typegrad/distributed/world.hpp>

namespace typegrad::distributed {

struct world::impl {
    MPI_Comm comm = MPI_COMM_NULL; // a duplicate of MPI_COMM_WORLD, errors returned
    int rank = 0, size = 1;
    double timeout_seconds = 120;

    // Throws distributed_error naming `what` and MPI's description of the error.
    void check(int status, const char* what) const;
    // Completes every request, or throws distributed_error after the watchdog (see world.hpp)
    // naming the ranks that did not answer. `what` says what was being waited for.
    void wait(MPI_Request* requests, int count, const std::string& what);
    // Lets started requests progress without blocking; true when all are complete.
    bool test(MPI_Request* requests, int count, const char* what);
};

} // namespace typegrad::distributed
