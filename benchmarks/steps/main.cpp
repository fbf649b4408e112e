// SPDX-License-Identifier: MIT
// typegrad_benchmarks: one training step of a sigmoid MLP with binary cross-entropy
// (forward and every parameter's gradient), by typegrad and by the hand-written
// reference, against the time of the step's matrix products alone; and the same for
// LeNet-5 with softmax cross-entropy, case "lenet" (lenet_steps.cpp).
//
// Benchmarks are named <case>/<dtype>/<variant>, variants:
//   typegrad_step     the derived gradient program, compiled once, run per iteration
//   typegrad_step_batch_major   (deep only) the same network written batch-major, as
//                     PyTorch lays out a batch (typegrad_batch_major.cpp)
//   manual_step       reference::mlp::gradient, the seed's transpose-delta formulas
//   gemm_step         only the step's products (cases.hpp), same shapes and flags:
//                     the limit a step can approach
//   typegrad_forward  the loss alone, typegrad
//   manual_forward    reference::mlp::loss
//   gemm_forward      the forward products alone
//   libtorch_step, libtorch_forward   the same in libtorch (libtorch_steps.cpp), only
//                     when configured with -DTYPEGRAD_BENCH_LIBTORCH=ON
// Counters (rates, per second): GFLOP of the matrix products (step variants all count the step's
// products, forward variants the forward's) and examples.
//
// Options (besides Google Benchmark's):
//   --threads=N   threads of the products and typegrad's loops (typegrad::set_threads;
//                 default 1, or $TYPEGRAD_BENCH_THREADS). With one
//                 thread times are this thread's CPU time, which a shared machine
//                 disturbs less; with more, wall time.
// Defaults added unless given: --benchmark_repetitions=5
//   --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true
// (repetitions of different benchmarks interleaved, so slow phases of a noisy machine
// spread over all variants; compare medians).
#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include <typegrad/exec/openblas_kernel.hpp>
#include <typegrad/exec/threads.hpp>

#include "../benchmark_main.hpp"
#include "suite.hpp"

namespace typegrad::bench {

namespace {
int threads = 1;
}

benchmark::internal::Benchmark* configure(benchmark::internal::Benchmark* b) {
    b->Unit(benchmark::kMicrosecond);
    if (threads > 1)
        b->UseRealTime();
    return b;
}

namespace {

template <class T>
void manual_step(benchmark::State& state, const mlp_case& c) {
    const problem<T> p(c);
    reference::mlp<T> net(c.widths, reference::activation::sigmoid, reference::head::sigmoid_bce);
    reference::mlp_params<T> grads;
    net.gradient(p.params, p.x, p.y, grads); // sizes the buffers
    for (auto _ : state) {
        benchmark::DoNotOptimize(net.gradient(p.params, p.x, p.y, grads));
        benchmark::ClobberMemory();
    }
    set_counters(state, c, step_flops(c));
}

template <class T>
void manual_forward(benchmark::State& state, const mlp_case& c) {
    const problem<T> p(c);
    reference::mlp<T> net(c.widths, reference::activation::sigmoid, reference::head::sigmoid_bce);
    net.loss(p.params, p.x, p.y);
    for (auto _ : state) {
        benchmark::DoNotOptimize(net.loss(p.params, p.x, p.y));
        benchmark::ClobberMemory();
    }
    set_counters(state, c, forward_flops(c));
}

// The products of one step (or of its forward pass) back to back, on buffers of the
// right shapes filled with numbers of the right magnitude; C = alpha op(A) op(B).
template <class T>
void gemm_only(benchmark::State& state, const mlp_case& c, bool backward_too) {
    struct operands {
        product p;
        std::vector<T> a, b, c;
    };
    std::vector<operands> ops;
    double flops = 0;
    std::mt19937 gen(7);
    std::uniform_real_distribution<T> u(T(-1), T(1));
    for (const auto& p : step_products(c)) {
        if (p.backward && !backward_too)
            continue;
        operands o{p, std::vector<T>(p.a_rows * p.a_cols), std::vector<T>(p.b_rows * p.b_cols),
                   std::vector<T>(p.m * p.n)};
        for (auto& v : o.a)
            v = u(gen);
        for (auto& v : o.b)
            v = u(gen);
        ops.push_back(std::move(o));
        flops += p.flops();
    }
    const T inv_m = T(1) / T(c.batch);
    for (auto _ : state) {
        for (auto& o : ops) {
            const product& p = o.p;
            blas::gemm(p.ta, p.tb, p.m, p.n, p.k, p.scaled ? inv_m : T(1), o.a.data(), p.a_cols,
                       o.b.data(), p.b_cols, T(0), o.c.data(), p.n);
            benchmark::DoNotOptimize(o.c.data());
        }
        benchmark::ClobberMemory();
    }
    set_counters(state, c, flops);
}

template <class T>
void register_case(const mlp_case& c) {
    switch (c.depth()) {
    case 2:
        register_typegrad<T, 2>(c);
        break;
    case 4:
        register_typegrad<T, 4>(c);
        break;
    default:
        std::fprintf(stderr,
                     "typegrad_benchmarks: no typegrad program compiled for depth %zu (%s)\n",
                     c.depth(), c.name.c_str());
        std::exit(2);
    }
    register_batch_major<T>(c);
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "manual_step").c_str(),
                                           manual_step<T>, c));
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "gemm_step").c_str(), gemm_only<T>,
                                           c, true));
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "manual_forward").c_str(),
                                           manual_forward<T>, c));
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "gemm_forward").c_str(),
                                           gemm_only<T>, c, false));
#ifdef TYPEGRAD_BENCH_LIBTORCH
    register_libtorch<T>(c);
#endif
}

} // namespace
} // namespace typegrad::bench

int main(int argc, char** argv) {
    namespace tb = typegrad::bench;
    if (const char* env = std::getenv("TYPEGRAD_BENCH_THREADS"))
        tb::threads = std::atoi(env);
    std::vector<std::string> args;
    for (int i = 0; i < argc; ++i) {
        const std::string a = argv[i];
        if (a.rfind("--threads=", 0) == 0)
            tb::threads = std::atoi(a.c_str() + 10);
        else if (a == "--threads" && i + 1 < argc)
            tb::threads = std::atoi(argv[++i]);
        else
            args.push_back(a);
    }
    if (tb::threads < 1) {
        std::fprintf(stderr, "typegrad_benchmarks: --threads must be at least 1\n");
        return 2;
    }
    if (!tb::has_flag(args, "--benchmark_display_aggregates_only"))
        tb::add_defaults(args, {"--benchmark_report_aggregates_only=true"});
    tb::add_defaults(args, {"--benchmark_repetitions=5", "--benchmark_enable_random_interleaving=true"});

    typegrad::blas::tune();
    typegrad::set_threads(tb::threads);
#ifdef TYPEGRAD_BENCH_LIBTORCH
    tb::set_libtorch_threads(tb::threads);
    benchmark::AddCustomContext("libtorch", tb::libtorch_version());
#endif
    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    benchmark::AddCustomContext("blas", typegrad::blas::backend());
    benchmark::AddCustomContext("blas_core", openblas_get_corename());
    benchmark::AddCustomContext("blas_threads", std::to_string(openblas_get_num_threads()));
    benchmark::AddCustomContext("OPENBLAS_CORETYPE", coretype ? coretype : "(unset)");
    benchmark::AddCustomContext("threads", std::to_string(tb::threads));
    benchmark::AddCustomContext("timer", tb::threads == 1 ? "cpu (this thread)" : "real");

    for (const auto& c : tb::cases()) {
        tb::register_case<float>(c);
        tb::register_case<double>(c);
    }
    tb::register_lenet<float>();
    tb::register_lenet<double>();
#ifdef TYPEGRAD_BENCH_LIBTORCH
    tb::register_libtorch_lenet<float>();
    tb::register_libtorch_lenet<double>();
#endif

    return tb::run_benchmarks(std::move(args));
}
