// SPDX-License-Identifier: MIT
// typegrad_adbench: the ADBenchmark functions (adbench.hpp), each timed as its plain
// evaluation in double (a hand-written loop) and as typegrad's value and gradient,
// interleaved at random so both see the same machine; report the medians' ratio,
// gradient ÷ primal. One thread (BLAS threads 1); times are this thread's CPU time.
//
//   typegrad_adbench [Google Benchmark options]   time every function
//   typegrad_adbench --check                       check typegrad's value and gradient
//                                                  against the hand-written ones, no timing
// Defaults added unless given: --benchmark_repetitions=9
//   --benchmark_report_aggregates_only=true --benchmark_enable_random_interleaving=true
#include <cstdio>
#include <string>
#include <vector>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/exec/threads.hpp>

#include "../benchmark_main.hpp"
#include "adbench.hpp"

namespace typegrad::adbench {
std::vector<entry>& registry() {
    static std::vector<entry> all;
    return all;
}
} // namespace typegrad::adbench

int main(int argc, char** argv) {
    namespace ab = typegrad::adbench;
    using typegrad::bench::has_flag;
    typegrad::blas::tune();
    typegrad::set_threads(1); // the products and typegrad's loops, like the peers' one thread
    std::vector<std::string> args(argv, argv + argc);
    if (has_flag(args, "--check")) {
        int failed = 0;
        for (const auto& e : ab::registry()) {
            const double error = e.check();
            const bool ok = error <= ab::tolerance;
            std::printf("%-22s relative difference %.3g  %s\n", e.name.c_str(), error, ok ? "ok" : "FAILED");
            failed += !ok;
        }
        return failed == 0 ? 0 : 1;
    }
    if (!has_flag(args, "--benchmark_display_aggregates_only"))
        typegrad::bench::add_defaults(args, {"--benchmark_report_aggregates_only=true"});
    typegrad::bench::add_defaults(args, {"--benchmark_repetitions=9", "--benchmark_enable_random_interleaving=true"});
    benchmark::AddCustomContext("blas", typegrad::blas::backend());
    for (const auto& e : ab::registry()) e.register_benchmarks();
    return typegrad::bench::run_benchmarks(std::move(args));
}
