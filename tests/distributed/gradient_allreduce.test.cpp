// SPDX-License-Identifier: MIT
// Bucketed gradient sums across ranks, run under mpirun with 2 and 4 ranks. Values are small
// integers times powers of two, so every sum is exact in float and the expected result is
// known exactly whatever order MPI adds in.
#include <doctest/doctest.h>

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include <typegrad/distributed/gradient_allreduce.hpp>

#include "world_fixture.hpp"

namespace dist = typegrad::distributed;

namespace {
// Rank r's gradient k at i: exact in float, different on every rank, position and gradient.
float contribution(int r, std::size_t k, std::size_t i) { return float((r + 1) * 3 + int(k) * 5 + int(i % 97)); }

struct scenario {
    std::vector<std::size_t> sizes, order;
    std::size_t bucket_bytes;
    bool overlap;
};

void sums_exactly(const scenario& s, float scale) {
    dist::world& w = *test_world;
    dist::gradient_allreduce<float> sum(w, s.sizes, s.order, {.bucket_bytes = s.bucket_bytes, .overlap = s.overlap});
    std::vector<std::vector<float>> grads(s.sizes.size()), out(s.sizes.size());
    for (std::size_t k = 0; k < s.sizes.size(); ++k) {
        grads[k].resize(s.sizes[k]);
        out[k].assign(s.sizes[k], -1.0f);
        for (std::size_t i = 0; i < s.sizes[k]; ++i) grads[k][i] = contribution(w.rank(), k, i);
    }
    for (int step = 0; step < 3; ++step) { // buffers are reused across steps
        sum.begin(scale);
        for (const std::size_t k : s.order) {
            sum.ready(k, grads[k]);
            sum.progress();
        }
        std::vector<std::span<float>> spans(out.begin(), out.end());
        sum.finish(spans);
        for (std::size_t k = 0; k < s.sizes.size(); ++k)
            for (std::size_t i = 0; i < s.sizes[k]; ++i) {
                float expected = 0;
                for (int r = 0; r < w.size(); ++r) expected += scale * contribution(r, k, i);
                if (out[k][i] != expected) {
                    CHECK(out[k][i] == expected);
                    return;
                }
            }
    }
    CHECK(sum.timing().steps == 3);
}
} // namespace

TEST_CASE("gradient sums are exact and complete, with overlap and without, in one bucket or many") {
    const scenario shapes[] = {
        {{3, 100000, 5, 7}, {2, 0, 3, 1}, 1 << 20, true},   // one bucket, then one of its own for the large one
        {{3, 100000, 5, 7}, {2, 0, 3, 1}, 1 << 20, false},  // the same summed after the backward pass
        {{3, 1000, 5, 7, 64}, {4, 3, 2, 1, 0}, 16, true},   // a bucket per gradient
        {{1, 1}, {1, 0}, 1 << 30, true},                    // tiny
    };
    for (const auto& s : shapes) {
        CAPTURE(s.bucket_bytes);
        CAPTURE(s.overlap);
        sums_exactly(s, 1.0f);
        sums_exactly(s, 0.25f); // each rank's share of the batch scales its gradient before the sum
    }
}

TEST_CASE("gradients are packed in ready order, a gradient larger than a bucket alone") {
    dist::world& w = *test_world;
    const std::vector<std::size_t> sizes = {10, 10, 1000, 10}, order = {3, 1, 2, 0};
    // 80 bytes: gradients 3 and 1 share one, 2 is alone, 0 opens the last.
    dist::gradient_allreduce<float> sum(w, sizes, order, {.bucket_bytes = 80});
    CHECK(sum.bucket_count() == 3);
}

TEST_CASE("ranks may report gradients in different orders: buckets still start in one order") {
    // MPI matches non-blocking sums by the order they start. Rank 0 reports in ready order,
    // the others backwards (as a rank without samples reports zeros in parameter order); with
    // a bucket per gradient and overlap on, a bucket started as soon as it filled would pair
    // different buckets across ranks (Open MPI: MPI_ERR_TRUNCATE). Found by the trainer with a
    // last batch left to one rank, once gradients became ready last layer first.
    dist::world& w = *test_world;
    const std::vector<std::size_t> sizes = {300, 20, 1000, 5}, order = {3, 2, 1, 0};
    dist::gradient_allreduce<float> sum(w, sizes, order, {.bucket_bytes = 16, .overlap = true});
    REQUIRE(sum.bucket_count() == 4);
    std::vector<std::vector<float>> grads(sizes.size()), out(sizes.size());
    for (std::size_t k = 0; k < sizes.size(); ++k) {
        out[k].assign(sizes[k], -1.0f);
        for (std::size_t i = 0; i < sizes[k]; ++i) grads[k].push_back(contribution(w.rank(), k, i));
    }
    for (int step = 0; step < 2; ++step) {
        sum.begin(1.0f);
        std::vector<std::size_t> mine = order;
        if (w.rank() != 0) std::reverse(mine.begin(), mine.end());
        for (const std::size_t k : mine) sum.ready(k, grads[k]);
        std::vector<std::span<float>> spans(out.begin(), out.end());
        sum.finish(spans);
        for (std::size_t k = 0; k < sizes.size(); ++k)
            for (std::size_t i : {std::size_t(0), sizes[k] - 1}) {
                float expected = 0;
                for (int r = 0; r < w.size(); ++r) expected += contribution(r, k, i);
                CHECK(out[k][i] == expected);
            }
    }
}

TEST_CASE("a rank without samples contributes zeros") {
    dist::world& w = *test_world;
    const std::vector<std::size_t> sizes = {4, 6}, order = {1, 0};
    dist::gradient_allreduce<double> sum(w, sizes, order, {.bucket_bytes = 1 << 10});
    std::vector<double> a(4, 2.0), b(6, 3.0), oa(4), ob(6);
    sum.begin(1.0);
    if (w.rank() == 0) {
        sum.ready(1, b);
        sum.ready(0, a);
    } else {
        sum.ready_zero(1);
        sum.ready_zero(0);
    }
    std::vector<std::span<double>> out = {oa, ob};
    sum.finish(out);
    CHECK(oa == a);
    CHECK(ob == b);
}

TEST_CASE("misuse is named: an order that is not a permutation, a gradient of the wrong size, twice ready") {
    dist::world& w = *test_world;
    const std::vector<std::size_t> sizes = {4, 6}, bad_order = {1, 1};
    CHECK_THROWS_WITH_AS(dist::gradient_allreduce<float>(w, sizes, bad_order, {}),
                         doctest::Contains("not a permutation"), dist::distributed_error);
    const std::vector<std::size_t> order = {0, 1};
    dist::gradient_allreduce<float> sum(w, sizes, order, {.bucket_bytes = 8});
    std::vector<float> four(4), five(5);
    sum.begin(1.0f);
    CHECK_THROWS_WITH_AS(sum.ready(0, five), doctest::Contains("gradient 0 has 5 values, 4 expected"),
                         dist::distributed_error);
    sum.ready(0, four);
    CHECK_THROWS_WITH_AS(sum.ready(0, four), doctest::Contains("ready twice"), dist::distributed_error);
}
