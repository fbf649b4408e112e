// SPDX-License-Identifier: MIT
// The world's collectives and the replica check, run under mpirun with 2 and 4 ranks.
#include <doctest/doctest.h>

#include <cmath>
#include <string>
#include <vector>

#include <typegrad/distributed/replicas.hpp>
#include <typegrad/distributed/world.hpp>

#include "world_fixture.hpp"

namespace dist = typegrad::distributed;

TEST_CASE("the job has the ranks mpirun started") {
    CHECK(test_world->size() >= 2);
    CHECK(test_world->rank() < test_world->size());
}

TEST_CASE("agree: every rank learns the lowest failing rank and its message") {
    dist::world& w = *test_world;
    const auto all_ok = w.agree(true, "");
    CHECK(all_ok.ok);
    // Every rank but 0 fails, each with its own message: rank 1's is the one reported.
    const auto v = w.agree(w.rank() == 0, "rank " + std::to_string(w.rank()) + " cannot read its file");
    CHECK_FALSE(v.ok);
    CHECK(v.rank == 1);
    CHECK(v.message == "rank 1 cannot read its file");
}

TEST_CASE("broadcast gives every rank rank 0's values; sum adds in place") {
    dist::world& w = *test_world;
    std::vector<float> f = {float(w.rank()), 1.5f, -2.0f};
    w.broadcast(f);
    CHECK(f == std::vector<float>{0.0f, 1.5f, -2.0f});
    std::vector<double> d = {double(w.rank()), 1.0};
    w.sum(d);
    CHECK(d[0] == double(w.size() * (w.size() - 1) / 2));
    CHECK(d[1] == double(w.size()));
}

TEST_CASE("replica check: identical parameters pass; one ulp on one rank is named, on every rank") {
    dist::world& w = *test_world;
    std::vector<float> W(100, 0.5f), b(10, -1.0f);
    std::vector<dist::named_values<float>> params = {{"fc1.W", W}, {"fc1.b", b}};
    CHECK_NOTHROW(dist::check_replicas(w, params, "after epoch 1"));
    if (w.rank() == w.size() - 1) b[7] = std::nextafter(b[7], 0.0f);
    const std::string expected = "fc1.b: rank " + std::to_string(w.size() - 1) + " has checksum";
    try {
        dist::check_replicas(w, params, "after epoch 2");
        FAIL("no divergence reported");
    } catch (const dist::distributed_error& e) {
        CHECK(std::string(e.what()).find("replicas diverged after epoch 2") != std::string::npos);
        CHECK(std::string(e.what()).find(expected) != std::string::npos);
        CHECK(std::string(e.what()).find("fc1.W") == std::string::npos);
        CHECK(e.agreed());
        CHECK(e.speaker() == w.root());
    }
    CHECK(dist::checksum(std::span<const float>(W)) != dist::checksum(std::span<const float>(b)));
}
