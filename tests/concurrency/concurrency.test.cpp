// SPDX-License-Identifier: MIT
// One compiled gradient evaluated from several threads at once, each thread with its own
// program (buffers, shapes) and its own bound values, gives bit for bit what one thread gives.
// A program keeps all of its state in the object, so nothing is shared but read-only code and
// tables; this test is the check, and under ThreadSanitizer (the tsan preset) it also proves
// that no data race hides behind identical results.
//
// OpenBLAS is told to use one thread: its own worker pool is not what is tested here, and with
// one thread a product's summation order, hence its bits, is the same on every call; with
// several, OpenBLAS splits the work by the threads it finds free, and ThreadSanitizer cannot see
// into its uninstrumented synchronisation.
#include <support/finite_differences.hpp>

#include <typegrad/typegrad.hpp>

#include <doctest/doctest.h>

#include <array>
#include <cstddef>
#include <cstring>
#include <latch>
#include <thread>
#include <vector>

namespace tg = typegrad;
using tg::testing::random_matrix;

namespace {

constexpr auto x = tg::var<"x">;
constexpr auto y = tg::var<"y">;
constexpr auto W1 = tg::var<"W1">;
constexpr auto b1 = tg::col<"b1">;
constexpr auto W2 = tg::var<"W2">;
constexpr auto b2 = tg::col<"b2">;
constexpr auto W3 = tg::var<"W3">;
constexpr auto b3 = tg::col<"b3">;
// Products, broadcasting, two activations, softmax cross-entropy and a reduction: each kind of
// node the executor schedules, and buffers resized when the batch changes.
constexpr auto a2 = tg::name<"a2">(tg::tanh(tg::matmul(W1, x) + b1));
constexpr auto a3 = tg::name<"a3">(tg::relu(tg::matmul(W2, a2) + b2));
constexpr auto z4 = tg::matmul(W3, a3) + b3;
constexpr auto J = tg::softmax_cross_entropy(z4, y) + tg::mean(tg::square(W2));
constexpr auto dJ = tg::grad(J, W1, b1, W2, b2, W3, b3);

constexpr std::size_t inputs = 48, hidden1 = 40, hidden2 = 24, classes = 10;
constexpr std::array<std::size_t, 3> batches = {64, 17, 64}; // a shrink, then a regrowth
constexpr int rounds = 3;
constexpr unsigned threads = 4;

using matrix = xt::xtensor<double, 2>;

struct parameters {
    matrix w1, c1, w2, c2, w3, c3;
    explicit parameters(unsigned seed)
        : w1(random_matrix(hidden1, inputs, -0.3, 0.3, seed)),
          c1(random_matrix(hidden1, 1, -0.1, 0.1, seed + 1)),
          w2(random_matrix(hidden2, hidden1, -0.3, 0.3, seed + 2)),
          c2(random_matrix(hidden2, 1, -0.1, 0.1, seed + 3)),
          w3(random_matrix(classes, hidden2, -0.3, 0.3, seed + 4)),
          c3(random_matrix(classes, 1, -0.1, 0.1, seed + 5)) {}
};

struct batch {
    matrix X, Y;
    batch(std::size_t n, unsigned seed) : X(random_matrix(inputs, n, -1, 1, seed)) {
        // One-hot targets: softmax cross-entropy wants each column to be a distribution.
        const matrix pick = random_matrix(1, n, 0, classes, seed + 1);
        Y = xt::zeros<double>({classes, n});
        for (std::size_t j = 0; j < n; ++j)
            Y(static_cast<std::size_t>(pick(0, j)), j) = 1;
    }
};

// What one run leaves in the program: J and its six gradients.
struct result {
    double value = 0;
    std::array<matrix, 6> gradient;
};

bool same_bits(const matrix& a, const matrix& b) {
    return a.shape() == b.shape() &&
           std::memcmp(a.data(), b.data(), a.size() * sizeof(double)) == 0;
}
bool same_bits(const result& a, const result& b) {
    if (std::memcmp(&a.value, &b.value, sizeof(double)) != 0)
        return false;
    for (std::size_t i = 0; i < a.gradient.size(); ++i)
        if (!same_bits(a.gradient[i], b.gradient[i]))
            return false;
    return true;
}

// The runs of one worker, in order: every round goes through every batch size, on a program
// the worker compiled for itself.
std::vector<result> work(const parameters& p, unsigned seed) {
    auto step = tg::compile<double>(dJ);
    std::vector<result> out;
    for (int r = 0; r < rounds; ++r)
        for (std::size_t i = 0; i < batches.size(); ++i) {
            const batch data(batches[i], seed + 100 * static_cast<unsigned>(i));
            const auto values = tg::values(x = data.X, y = data.Y, W1 = p.w1, b1 = p.c1,
                                           W2 = p.w2, b2 = p.c2, W3 = p.w3, b3 = p.c3);
            step.run(values);
            out.push_back({step.value(),
                           {step[W1], step[b1], step[W2], step[b2], step[W3], step[b3]}});
        }
    return out;
}

// Runs work(params_of(k), seed k) for k = 0..threads-1 on as many threads, started together.
template <class ParamsOf>
std::vector<std::vector<result>> run_threads(ParamsOf params_of) {
    std::vector<std::vector<result>> out(threads);
    std::latch start(threads);
    std::vector<std::thread> pool;
    for (unsigned k = 0; k < threads; ++k)
        pool.emplace_back([&, k] {
            start.arrive_and_wait(); // all threads compute at once, not one after another
            out[k] = work(params_of(k), 1000 * k);
        });
    for (auto& t : pool)
        t.join();
    return out;
}

std::size_t bit_identical_runs(const std::vector<std::vector<result>>& got,
                               const std::vector<std::vector<result>>& want) {
    std::size_t same = 0;
    for (std::size_t k = 0; k < want.size(); ++k)
        for (std::size_t r = 0; r < want[k].size(); ++r)
            same += got[k].size() == want[k].size() && same_bits(got[k][r], want[k][r]);
    return same;
}

} // namespace

TEST_CASE("threads with their own programs and values get one thread's results bit for bit") {
    tg::blas::set_threads(1);
    std::vector<parameters> own;
    for (unsigned k = 0; k < threads; ++k)
        own.emplace_back(10 * k + 1);

    std::vector<std::vector<result>> alone;
    for (unsigned k = 0; k < threads; ++k)
        alone.push_back(work(own[k], 1000 * k));
    const auto together = run_threads([&](unsigned k) -> const parameters& { return own[k]; });

    CHECK(bit_identical_runs(together, alone) == threads * rounds * batches.size());
    // The workers did differ from one another, so agreeing with `alone` is not a coincidence.
    CHECK_FALSE(same_bits(alone[0][0], alone[1][0]));
}

TEST_CASE("threads sharing read-only parameters, each with its own batches, agree with one thread") {
    // Values are bound by reference: data-parallel workers read the same weights at once.
    tg::blas::set_threads(1);
    const parameters shared(7);
    std::vector<std::vector<result>> alone;
    for (unsigned k = 0; k < threads; ++k)
        alone.push_back(work(shared, 1000 * k));
    const auto together = run_threads([&](unsigned) -> const parameters& { return shared; });

    CHECK(bit_identical_runs(together, alone) == threads * rounds * batches.size());
}
