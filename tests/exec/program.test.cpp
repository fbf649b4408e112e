// SPDX-License-Identifier: MIT
// The executor: the schedule it fixes at compile time, buffers reused across calls,
// no heap allocation in a steady-state training step, shapes that change between
// calls, values bound by reference so a training loop updates them in place, and the
// observer told of each gradient as soon as it is final.
#include <array>
#include <cstdlib>
#include <new>
#include <vector>

#include <support/allocation_counter.hpp>
#include <support/finite_differences.hpp>

namespace tg = typegrad;
using tg::testing::random_matrix;

namespace {
constexpr auto x = tg::var<"x">;
constexpr auto y = tg::var<"y">;
constexpr auto W1 = tg::var<"W1">;
constexpr auto b1 = tg::col<"b1">;
constexpr auto W2 = tg::var<"W2">;
constexpr auto b2 = tg::col<"b2">;
constexpr auto z2 = tg::matmul(W1, x) + b1;
constexpr auto a2 = tg::name<"a2">(tg::sigmoid(z2));
constexpr auto a3 = tg::name<"a3">(tg::sigmoid(tg::matmul(W2, a2) + b2));
constexpr auto J = tg::binary_cross_entropy(a3, y);
constexpr auto dJ = tg::grad(J, W1, b1, W2, b2);

template <class T>
struct network {
    xt::xtensor<T, 2> X, Y, w1, c1, w2, c2;
    network(std::size_t in, std::size_t hidden, std::size_t out, std::size_t batch) {
        X = xt::cast<T>(random_matrix(in, batch, -1, 1, 1));
        Y = xt::cast<T>(random_matrix(out, batch, 0, 1, 2));
        w1 = xt::cast<T>(random_matrix(hidden, in, -1, 1, 3));
        c1 = xt::cast<T>(random_matrix(hidden, 1, -1, 1, 4));
        w2 = xt::cast<T>(random_matrix(out, hidden, -1, 1, 5));
        c2 = xt::cast<T>(random_matrix(out, 1, -1, 1, 6));
    }
};
} // namespace

TEST_CASE("the schedule fuses single-use elementwise nodes and materialises the rest") {
    using program = decltype(tg::compile<double>(dJ));
    using fwd = tg::program<double, std::remove_const_t<decltype(a2)>>;
    constexpr const auto& plan = fwd::plan;
    // W1 x + b1 feeds only the sigmoid: fused into a2's loop, never stored.
    static_assert(!plan.materialized[fwd::tables::id<std::remove_const_t<decltype(z2)>>]);
    // The product W1 x goes through BLAS into a buffer.
    static_assert(plan.materialized[fwd::tables::id<decltype(tg::matmul(W1, x))>]);
    (void)sizeof(program);
}

TEST_CASE("the schedule is a constexpr value: a transpose read by a product is a BLAS flag, not a buffer") {
    using F = std::remove_const_t<decltype(J)>;
    using order = tg::topological_order<F, decltype(tg::matmul(W1, tg::transpose(x)))>;
    constexpr const auto& s = tg::schedule_of<order, F, decltype(tg::matmul(W1, tg::transpose(x)))>;
    using tables = tg::graph<order>;
    constexpr std::size_t xt_id = tables::id<decltype(tg::transpose(x))>;
    static_assert(s.kind[xt_id] == tg::node_kind::view); // declared by transpose_op itself
    static_assert(s.transposed_read[xt_id] && !s.materialized[xt_id]);
    static_assert(s.kind[tables::id<decltype(tg::matmul(W1, x))>] == tg::node_kind::gemm);
    static_assert(s.output[tables::id<F>] && s.materialized[tables::id<F>]);
    // W1 x + b1 is fused into the sigmoid's loop; the sigmoid a2 is an operand of the
    // next product, so it gets a buffer for BLAS.
    static_assert(!s.materialized[tables::id<std::remove_const_t<decltype(z2)>>]);
    static_assert(s.materialized[tables::id<std::remove_const_t<decltype(a2)>>]);
}

TEST_CASE("a steady-state training step makes no heap allocation") {
    network<float> n(20, 16, 10, 32);
    auto values = tg::values(x = n.X, y = n.Y, W1 = n.w1, b1 = n.c1, W2 = n.w2, b2 = n.c2);
    auto step = tg::compile<float>(dJ);
    step.run(values); // first call: buffers are allocated
    const long before = tg::testing::allocations();
    for (int i = 0; i < 5; ++i) {
        n.w1 *= 0.99f; // parameters change in place between steps
        step.run(values);
    }
    CHECK(tg::testing::allocations() - before == 0);
    // The counter does see allocations: a check that can fail.
    const long probe = tg::testing::allocations();
    xt::xtensor<float, 2> t = xt::zeros<float>({4, 4});
    CHECK(tg::testing::allocations() > probe);
}

TEST_CASE("a program follows changes of the batch size between calls") {
    auto step = tg::compile<double>(dJ);
    for (std::size_t batch : {7u, 3u, 7u, 1u}) {
        network<double> n(5, 4, 3, batch);
        auto values = tg::values(x = n.X, y = n.Y, W1 = n.w1, b1 = n.c1, W2 = n.w2, b2 = n.c2);
        step.run(values);
        auto fresh = tg::eval(dJ, values);
        CHECK(step[W1] == fresh[W1]);
        CHECK(step[b2] == fresh[b2]);
        CHECK(step.value() == fresh.value());
        CHECK(step[W1].shape(1) == 5);
    }
}

TEST_CASE("values bound by reference see updates; temporaries and scalars are stored") {
    constexpr auto s = tg::scalar<"s">;
    xt::xtensor<double, 2> X = {{1, 2}, {3, 4}};
    auto v = tg::values(x = X, s = 2.0, y = xt::xtensor<double, 2>{{1, 1}, {1, 1}});
    CHECK(tg::eval(tg::sum(x * s + y), v)(0, 0) == doctest::Approx(24.0));
    X(0, 0) = 11;
    CHECK(tg::eval(tg::sum(x * s + y), v)(0, 0) == doctest::Approx(44.0));
}

TEST_CASE("a subexpression read by several consumers is stored once and gives the same values") {
    constexpr auto e = tg::exp(tg::matmul(W1, x));
    constexpr auto f = tg::sum(e) + tg::sum(e * e);
    using p = tg::program<double, std::remove_const_t<decltype(f)>>;
    static_assert(p::plan.materialized[p::tables::id<std::remove_const_t<decltype(e)>>]);
    network<double> n(3, 4, 2, 5);
    auto v = tg::values(x = n.X, W1 = n.w1);
    double expected = 0;
    for (std::size_t i = 0; i < 4; ++i)
        for (std::size_t j = 0; j < 5; ++j) {
            double z = 0;
            for (std::size_t k = 0; k < 3; ++k) z += n.w1(i, k) * n.X(k, j);
            expected += std::exp(z) + std::exp(2 * z);
        }
    CHECK(tg::eval(f, v)(0, 0) == doctest::Approx(expected).epsilon(1e-13));
}

TEST_CASE("program.run(values, observer) tells of every node with a buffer once, in id order, and of no other") {
    using p = tg::program<double, std::remove_const_t<decltype(J)>>;
    network<double> n(3, 4, 2, 5);
    auto values = tg::values(x = n.X, y = n.Y, W1 = n.w1, b1 = n.c1, W2 = n.w2, b2 = n.c2);
    std::vector<std::size_t> told;
    p program;
    // An observer may return a value; it is ignored.
    program.run(values, [&](std::size_t i) { told.push_back(i); return i; });
    std::vector<std::size_t> with_buffer;
    for (std::size_t i = 0; i < p::tables::size; ++i)
        if (p::plan.materialized[i]) with_buffer.push_back(i);
    CHECK(told == with_buffer);
    CHECK(told.size() < p::tables::size); // some nodes were fused into their consumers
    CHECK(program[J](0, 0) == doctest::Approx(tg::eval(J, values)(0, 0)).epsilon(1e-15));
}

TEST_CASE("run(values, on_ready) tells of each gradient once it is final, in ready_order(), mid-backward") {
    network<double> n(5, 4, 3, 7);
    auto values = tg::values(x = n.X, y = n.Y, W1 = n.w1, b1 = n.c1, W2 = n.w2, b2 = n.c2);
    auto step = tg::compile<double>(dJ);
    static constexpr auto order = decltype(step)::ready_order(); // a compile-time constant
    static_assert(order.size() == 4);
    // The output layer's gradients (W2, b2) are final first and the first layer's last:
    // what data-parallel training needs to overlap summing with the rest of the backward pass.
    static_assert((order[0] == 2 || order[0] == 3) && (order[3] == 0 || order[3] == 1));
    const std::array<const xt::xtensor<double, 2>*, 4> gradient = {&step[W1], &step[b1], &step[W2], &step[b2]};
    step.run(values);
    const xt::xtensor<double, 2> last_of_previous_step = *gradient[order.back()];
    n.w2 *= 0.5; // the next step's gradients all differ

    struct listener {
        const std::array<const xt::xtensor<double, 2>*, 4>& gradient;
        std::vector<std::size_t> heard{};
        std::array<xt::xtensor<double, 2>, 4> at_call{}; // each gradient as it was when told
        xt::xtensor<double, 2> last_at_first_call{};     // the last gradient when the first was told
        std::size_t other_nodes = 0;
        void operator()(std::size_t k) { // ∂J/∂(k-th symbol given to grad) is final
            heard.push_back(k);
            at_call[k] = *gradient[k];
            if (heard.size() == 1) last_at_first_call = *gradient[order.back()];
        }
        void operator()() { ++other_nodes; } // some other node is done
    } told{gradient};
    step.run(values, told);

    const auto fresh = tg::eval(dJ, values);
    CHECK(told.heard == std::vector<std::size_t>(order.begin(), order.end()));
    CHECK(told.at_call[0] == fresh[W1]);
    CHECK(told.at_call[1] == fresh[b1]);
    CHECK(told.at_call[2] == fresh[W2]);
    CHECK(told.at_call[3] == fresh[b2]);
    CHECK(told.other_nodes > 0);
    // When the first gradient is told, the last one still holds the previous step's value: the
    // backward pass goes on, and the distributed trainer sums the first meanwhile.
    REQUIRE(last_of_previous_step != *gradient[order.back()]);
    CHECK(told.last_at_first_call == last_of_previous_step);
}
