// SPDX-License-Identifier: MIT
// PROPOSAL (not yet wired into gemm.hpp): make OpenBLAS run the kernel this CPU
// deserves without the user knowing about OPENBLAS_CORETYPE.
//
// Why: Debian's OpenBLAS 0.3.21 is built DYNAMIC_ARCH and chooses its kernel from a
// table of CPU models when it is loaded. On CPUs newer than its table it falls back
// to "Prescott" (SSE3), 2.5x slower on the benchmark step products here (an EPYC
// that it happens to recognise, as "Cooperlake") and about 4x on the AVX-512 Xeon
// seen before. OPENBLAS_CORETYPE fixes it, but it is read once by the library's
// constructor, before anything in the program runs: setenv in main, a constructor
// in the executable, and even .preinit_array (glibc's libc init resets environ
// afterwards) are all too late. What does work is asking OpenBLAS to choose again:
// DYNAMIC_ARCH builds export gotoblas_dynamic_quit/gotoblas_dynamic_init, the pair
// its own constructor uses, and init reads OPENBLAS_CORETYPE afresh.
// (benchmarks/gemm: Prescott at load 38 GFLOP/s -> SkylakeX after reselect 99.)
//
// Policy: if the user set OPENBLAS_CORETYPE, do nothing. Otherwise, if the kernel
// OpenBLAS chose is below what the CPU (as enabled by the OS) supports -- AVX-512
// wants SkylakeX/Cooperlake/SapphireRapids, AVX2+FMA wants Haswell/Zen or better --
// reselect SkylakeX or Haswell. Those two were the best or within noise of the best
// on every step product measured (Haswell is half speed on the skinny 10-row
// products on AVX-512 hardware, hence the two tiers).
//
// Wiring proposed for gemm.hpp:
//   #include <typegrad/exec/openblas_kernel.hpp>
//   - first line of both pointer gemm overloads and of set_threads():
//       openblas_kernel::ensure();      // one-time; afterwards a guard-variable load
//   - backend(): append openblas_kernel::ensure().describe().
// The inline variable at the bottom also runs it during static initialisation, i.e.
// before main and before the program starts threads: the switch briefly leaves
// OpenBLAS without a kernel, so it must not race with a BLAS call in another thread.
#pragma once

#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

extern "C" {
// Exported by OpenBLAS DYNAMIC_ARCH builds (not declared in cblas.h). Weak, so a
// BLAS without them still links and the guard only reports.
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
}

namespace typegrad::blas::openblas_kernel {

// 2: AVX-512 kernels, 1: AVX2 kernels, 0: older or unknown.
inline int tier(const char* core) {
    for (const char* c : {"SkylakeX", "Cooperlake", "SapphireRapids"})
        if (std::strcmp(core, c) == 0) return 2;
    for (const char* c : {"Haswell", "Zen"})
        if (std::strcmp(core, c) == 0) return 1;
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
        const char* best = best_for_cpu();
        if (!best || tier(r.at_load.c_str()) >= tier(best)) {
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
