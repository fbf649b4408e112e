// SPDX-License-Identifier: MIT
// typegrad_epoch: one epoch of the default Fashion-MNIST job, whole and in its parts, so
// that what is not the step can be seen and its floor, the matrix products, is known.
//
// The job is the trainer's default (examples/train_fashion_mnist): nn::mlp<3, relu,
// softmax_ce> (784-256-128-10), Adam, 60 000 examples in batches of 128 (the last one 96),
// on data of Fashion-MNIST's sizes (random bytes: the time does not depend on the pixels).
// Each iteration is one epoch; benchmarks are named epoch/float32/<part>:
//   train      what the trainer's epoch timer measures: shuffle, then for every batch
//              fill_batch, the gradient program, the optimiser (as train.hpp's loop,
//              without the progress bar)
//   batching   shuffle and fill_batch alone
//   step       the gradient program alone, 468 runs at 128 columns and one at 96
//   optimiser  store.step() alone (Adam over the 235 146 parameters), 469 times, on a
//              store of its own: repeating stale gradients moves its weights far from
//              those the other parts run on
//   products   the step's eight matrix products alone (cases.hpp's step_products), 469
//              times at the same shapes and transpose flags, each on operands of its own:
//              an estimate of the floor of any epoch of this model on this BLAS (the
//              program's products run on its buffers, so it can come out a little under)
// The evaluation pass is outside the trainer's epoch timer, and outside these.
//
// Options (besides Google Benchmark's): --threads=N as typegrad_benchmarks (products and
// typegrad's loops; CPU time of this thread with one, wall time with more).
// Defaults added unless given: --benchmark_repetitions=5 --benchmark_min_time=0
// --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true.
#include <benchmark/benchmark.h>
#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include <typegrad/data/dataset.hpp>
#include <typegrad/exec/gemm.hpp>
#include <typegrad/exec/openblas_kernel.hpp>
#include <typegrad/exec/threads.hpp>
#include <typegrad/nn/init.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/nn/optimiser.hpp>
#include <typegrad/nn/parameter_store.hpp>
#include <typegrad/typegrad.hpp>

#include "../benchmark_main.hpp"
#include "../steps/cases.hpp"

namespace tg = typegrad;

namespace {

using model = tg::nn::mlp<3, tg::nn::activation::relu, tg::nn::head::softmax_ce>;
constexpr std::size_t examples = 60000, features = 784, classes = 10, batch = 128;
constexpr std::size_t widths[] = {features, 256, 128, classes};
const tg::data::batching batches{.size = batch, .last = tg::data::last_batch::smaller};

// Fashion-MNIST's shapes with random pixels and labels, from a fixed seed.
tg::data::dataset<float> synthetic_training_set() {
    std::mt19937_64 gen(2026);
    tg::data::idx_images images{.count = examples, .rows = 28, .cols = 28, .pixels = std::vector<std::uint8_t>(examples * features)};
    for (auto& p : images.pixels) p = std::uint8_t(gen() & 0xff);
    std::vector<std::uint8_t> labels(examples);
    for (auto& l : labels) l = std::uint8_t(gen() % classes);
    return tg::data::dataset<float>(std::move(images), std::move(labels), classes);
}

// Everything the trainer holds for one run: data, store (He-uniform weights, zero biases,
// Adam at its default rate), the batch buffers bound by reference, the compiled gradient.
struct job {
    tg::data::dataset<float> train = synthetic_training_set();
    tg::nn::store_for<model, float, tg::nn::any_optimiser<float>> store{tg::nn::adam<float>({})};
    xt::xtensor<float, 2> X, Y;
    decltype(store.values(model::x = X, model::y = Y)) values = store.values(model::x = X, model::y = Y);
    decltype(tg::compile<float>(model::gradient)) step = tg::compile<float>(model::gradient);

    job() {
        std::mt19937_64 rng(1);
        [&]<std::size_t... L>(std::index_sequence<L...>) {
            ((store[model::layer<L + 1>::W] = xt::zeros<float>({widths[L + 1], widths[L]}),
              tg::nn::he_uniform(store[model::layer<L + 1>::W], rng),
              store[model::layer<L + 1>::b] = xt::zeros<float>({widths[L + 1], std::size_t(1)})), ...);
        }(std::make_index_sequence<3>{});
        store.bind_gradients(step);
        train.fill_batch(0, batches, X, Y);
        step.run(values); // sizes the program's buffers and the optimiser's moments
        store.step();
    }
};

job& the_job() {
    static job j;
    return j;
}

job& optimiser_job() {
    static job j;
    return j;
}

void train(benchmark::State& state) {
    job& j = the_job();
    std::uint64_t epoch = 0;
    for (auto _ : state) {
        j.train.shuffle(epoch++);
        for (std::size_t i = 0; i < j.train.batch_count(batches); ++i) {
            j.train.fill_batch(i, batches, j.X, j.Y);
            j.step.run(j.values);
            j.store.step();
        }
        benchmark::DoNotOptimize(j.step.value());
    }
}

void batching(benchmark::State& state) {
    job& j = the_job();
    std::uint64_t epoch = 0;
    for (auto _ : state) {
        j.train.shuffle(epoch++);
        for (std::size_t i = 0; i < j.train.batch_count(batches); ++i) j.train.fill_batch(i, batches, j.X, j.Y);
        benchmark::DoNotOptimize(j.X.data());
    }
}

void step(benchmark::State& state) {
    job& j = the_job();
    const std::size_t last = j.train.batch_count(batches) - 1;
    for (auto _ : state) {
        j.train.fill_batch(0, batches, j.X, j.Y); // two copies of a batch per epoch, 0.03% of it
        for (std::size_t i = 0; i < last; ++i) j.step.run(j.values);
        j.train.fill_batch(last, batches, j.X, j.Y);
        j.step.run(j.values);
        benchmark::DoNotOptimize(j.step.value());
    }
}

void optimiser(benchmark::State& state) {
    job& j = optimiser_job();
    for (auto _ : state) {
        for (std::size_t i = 0; i < j.train.batch_count(batches); ++i) j.store.step();
        benchmark::ClobberMemory();
    }
}

// The step's products for a batch of `cols` columns, each with operands of its own; ∂W's
// 1/m is in alpha, as the manual reference has it.
struct product_run {
    tg::bench::product p;
    std::vector<float> a, b, c;
    void operator()() {
        tg::blas::gemm(p.ta, p.tb, p.m, p.n, p.k, p.scaled ? 1.0f / float(p.k) : 1.0f, a.data(), p.a_cols, b.data(), p.b_cols, 0.0f,
                       c.data(), p.n);
    }
};

std::vector<product_run> step_products(std::size_t cols) {
    const tg::bench::mlp_case c{"default", {std::begin(widths), std::end(widths)}, cols};
    std::vector<product_run> runs;
    for (const auto& p : tg::bench::step_products(c))
        runs.push_back({p, std::vector<float>(p.a_rows * p.a_cols, 0.5f), std::vector<float>(p.b_rows * p.b_cols, 0.25f),
                        std::vector<float>(p.m * p.n)});
    return runs;
}

void products(benchmark::State& state) {
    const std::size_t count = (examples + batch - 1) / batch, tail = examples - (count - 1) * batch;
    auto full = step_products(batch), last = step_products(tail);
    for (auto _ : state) {
        for (std::size_t i = 0; i + 1 < count; ++i)
            for (auto& p : full) p();
        for (auto& p : last) p();
        benchmark::ClobberMemory();
    }
}

} // namespace

int main(int argc, char** argv) {
    int threads = 1;
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--threads=", 0) == 0) threads = std::atoi(a.c_str() + 10);
        else args.push_back(a);
    }
    if (threads < 1) {
        std::fprintf(stderr, "typegrad_epoch: --threads must be at least 1\n");
        return 2;
    }
    // An epoch is long enough to time alone: one per repetition unless asked otherwise.
    tg::bench::add_defaults(args, {"--benchmark_repetitions=5", "--benchmark_min_time=0",
                                   "--benchmark_report_aggregates_only=true",
                                   "--benchmark_enable_random_interleaving=true"});

    tg::blas::tune();
    tg::set_threads(threads);
    benchmark::AddCustomContext("blas", tg::blas::backend());
    benchmark::AddCustomContext("blas_core", openblas_get_corename());
    benchmark::AddCustomContext("threads", std::to_string(threads));
    benchmark::AddCustomContext("timer", threads == 1 ? "cpu (this thread)" : "real");

    for (auto [name, part] : {std::pair{"train", &train}, {"batching", &batching}, {"step", &step},
                              {"optimiser", &optimiser}, {"products", &products}}) {
        auto* b = benchmark::RegisterBenchmark((std::string("epoch/float32/") + name).c_str(), part);
        b->Unit(benchmark::kMillisecond);
        if (threads > 1) b->UseRealTime();
    }

    return tg::bench::run_benchmarks(std::move(args));
}
