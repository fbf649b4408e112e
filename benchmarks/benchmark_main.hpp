// SPDX-License-Identifier: MIT
// What the mains of the Google Benchmark programs share: the suite's default flags, added
// where the command line gives none, and the run itself.
#pragma once

#include <benchmark/benchmark.h>

#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

namespace typegrad::bench {

// Whether args hold the flag `name` ("--name" or "--name=value").
inline bool has_flag(const std::vector<std::string>& args, std::string_view name) {
    for (const auto& a : args)
        if (a.rfind(name, 0) == 0) return true;
    return false;
}

// Appends each "--flag=value" of `defaults` whose flag args do not give.
inline void add_defaults(std::vector<std::string>& args, std::initializer_list<std::string_view> defaults) {
    for (const auto d : defaults)
        if (!has_flag(args, d.substr(0, d.find('=')))) args.emplace_back(d);
}

// Google Benchmark on args (the program's name first): 1 on a flag it does not know, else 0.
inline int run_benchmarks(std::vector<std::string> args) {
    std::vector<char*> cargs;
    for (auto& a : args) cargs.push_back(a.data());
    int cargc = int(cargs.size());
    cargs.push_back(nullptr);
    benchmark::Initialize(&cargc, cargs.data());
    if (benchmark::ReportUnrecognizedArguments(cargc, cargs.data())) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}

} // namespace typegrad::bench
