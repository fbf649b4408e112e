// SPDX-License-Identifier: MIT
// Makes OpenBLAS run the kernel this CPU deserves without the user knowing about
// OPENBLAS_CORETYPE. gemm.hpp calls ensure() before the first product.
//
// Why: Debian's OpenBLAS 0.3.21 is built DYNAMIC_ARCH and chooses its kernel from a
// table of CPU models when it is loaded. On CPUs newer than its table it falls back
// to "Prescott" (SSE3): 2.5x slower on the benchmark step products on an EPYC Zen 4
// (which it happens to recognise, as "Cooperlake") and about 4x on an AVX-512 Xeon.
// OPENBLAS_CORETYPE fixes it, but it is read once by the library's constructor,
// before anything in the program runs: setenv in main, a constructor in the
// executable, and even .preinit_array are all too late. What does work is asking
// OpenBLAS to choose again: DYNAMIC_ARCH builds export gotoblas_dynamic_quit/init,
// the pair its own constructor uses, and init reads OPENBLAS_CORETYPE afresh
// (benchmarks/gemm: Prescott at load 38 GFLOP/s -> SkylakeX after reselecting, 99).
//
// Policy: if the user set OPENBLAS_CORETYPE, do nothing. Otherwise, if the kernel
// OpenBLAS chose is below what the CPU (as enabled by the OS) supports -- AVX-512
// wants SkylakeX/Cooperlake/SapphireRapids, AVX2+FMA wants Haswell/Zen or better --
// reselect SkylakeX or Haswell. Those two were the best or within noise of the best
// on every step product measured (Haswell is half speed on the skinny 10-row
// products on AVX-512 hardware, hence the two tiers).
//
// The inline variable at the bottom runs the check during static initialisation,
// before main and before the program starts threads: the switch briefly leaves
// OpenBLAS without a kernel, so it must not race with a BLAS call in another thread.
#pragma once

#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <string_view>

extern "C" {
// Exported by OpenBLAS DYNAMIC_ARCH builds (not declared in cblas.h). Weak, so a
// BLAS without them still links and the guard only reports.
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
}

namespace typegrad::blas::openblas_kernel {

// 2: AVX-512 kernels, 1: AVX2 kernels, 0: older or unknown.
inline int tier(std::string_view core) {
    for (std::string_view c : {"SkylakeX", "Cooperlake", "SapphireRapids"})
        if (core == c) return 2;
    for (std::string_view c : {"Haswell", "Zen"})
        if (core == c) return 1;
    return 0;
}

// The kernel to ask for on this CPU, or nullptr if nothing better than the old
// kernels applies (or the CPU cannot be queried).
inline const char* best_for_cpu() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init(); // may run before libgcc's own constructor has
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return nullptr;
}

// The kernel to switch to when OpenBLAS chose `at_load` on a CPU whose best is
// `best`, or nullptr to keep it.
inline const char* better_kernel(const char* at_load, const char* best) {
    if (!best || tier(at_load) >= tier(best)) return nullptr;
    return best;
}

// Ask OpenBLAS to choose its kernel again, as `core` (an OPENBLAS_CORETYPE name).
// Returns false if this OpenBLAS cannot. The environment is left as it was.
inline bool reselect(const char* core) {
    if (!gotoblas_dynamic_init || !gotoblas_dynamic_quit) return false;
    const char* old = std::getenv("OPENBLAS_CORETYPE");
    const std::string saved = old ? old : "";
    setenv("OPENBLAS_CORETYPE", core, 1);
    gotoblas_dynamic_quit();
    gotoblas_dynamic_init();
    if (old) setenv("OPENBLAS_CORETYPE", saved.c_str(), 1);
    else unsetenv("OPENBLAS_CORETYPE");
    return std::strcmp(openblas_get_corename(), core) == 0;
}

struct status {
    std::string at_load; // kernel OpenBLAS chose when it was loaded
    std::string now;     // kernel in use after the check
    std::string note;    // what was decided and why
    std::string describe() const {
        return at_load == now ? "(kernel " + now + ": " + note + ")"
                              : "(kernel " + at_load + " at load -> " + now + ": " + note + ")";
    }
};

// One-time check, thread-safe initialisation; cheap on every later call.
inline const status& ensure() {
    static const status s = [] {
        status r;
        r.at_load = r.now = openblas_get_corename();
        if (const char* user = std::getenv("OPENBLAS_CORETYPE")) {
            r.note = std::string("OPENBLAS_CORETYPE=") + user + " set by the user";
            return r;
        }
        const char* best = better_kernel(r.at_load.c_str(), best_for_cpu());
        if (!best) {
            r.note = "as chosen by OpenBLAS";
            return r;
        }
        if (reselect(best)) {
            r.now = openblas_get_corename();
            r.note = "reselected for this CPU";
        } else {
            r.now = openblas_get_corename();
            r.note = std::string("could not reselect; set OPENBLAS_CORETYPE=") + best;
            std::fprintf(stderr,
                         "typegrad: OpenBLAS runs its %s kernel on a CPU that supports %s; matrix products "
                         "will be slow. Set OPENBLAS_CORETYPE=%s before starting the program.\n",
                         r.at_load.c_str(), best, best);
        }
        return r;
    }();
    return s;
}

// Run the check during static initialisation (before main, before user threads).
inline const bool checked_at_startup = (ensure(), true);

} // namespace typegrad::blas::openblas_kernel
