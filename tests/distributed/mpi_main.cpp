// SPDX-License-Identifier: MIT
// doctest's main for tests that run as the ranks of an MPI job: every rank runs every test
// case (collectives need all of them); a failure on any rank fails the job's exit status.
#define DOCTEST_CONFIG_IMPLEMENT
#include <doctest/doctest.h>

#include <chrono>

#include "world_fixture.hpp"

typegrad::distributed::world* test_world = nullptr;

int main(int argc, char** argv) {
    typegrad::distributed::world w(argc, argv, std::chrono::seconds(30));
    test_world = &w;
    doctest::Context context(argc, argv);
    if (!w.root()) context.setOption("minimal", true); // rank 0 reports; the others only failures
    const int failed = context.run();
    // Agree on the verdict so that every rank exits with the same status after finalising.
    const auto v = w.agree(failed == 0, "a test failed on this rank");
    return v.ok ? 0 : 1;
}
