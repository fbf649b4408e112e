// SPDX-License-Identifier: MIT
// Makes OpenBLAS run the kernel this CPU deserves without the user knowing about
// OPENBLAS_CORETYPE: blas::tune(), in the compiled support library
// (src/exec/openblas_kernel.cpp). The trainer, the benchmarks and the gradcheck
// tool call it first thing in main; a program that only derives or prints never
// meets OpenBLAS, and this header does not include <cblas.h>.
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
// The switch briefly leaves OpenBLAS without a kernel, so tune() must run before
// the program starts threads that call BLAS (first thing in main).
#pragma once

#include <string>
#include <string_view>

namespace typegrad::blas {

namespace openblas_kernel {

// 2: AVX-512 kernels, 1: AVX2 kernels, 0: older or unknown.
int tier(std::string_view core);

// The kernel to ask for on this CPU, or nullptr if nothing better than the old
// kernels applies (or the CPU cannot be queried).
const char* best_for_cpu();

// The kernel to switch to when OpenBLAS chose `at_load` on a CPU whose best is
// `best`, or nullptr to keep it.
const char* better_kernel(const char* at_load, const char* best);

// Ask OpenBLAS to choose its kernel again, as `core` (an OPENBLAS_CORETYPE name).
// Returns false if this OpenBLAS cannot. The environment is left as it was.
bool reselect(const char* core);

struct status {
    std::string at_load; // kernel OpenBLAS chose when it was loaded
    std::string now;     // kernel in use after the check
    std::string note;    // what was decided and why
    std::string describe() const {
        return at_load == now ? "(kernel " + now + ": " + note + ")"
                              : "(kernel " + at_load + " at load -> " + now + ": " + note + ")";
    }
};

} // namespace openblas_kernel

// The one-time check (thread-safe initialisation; cheap on every later call).
const openblas_kernel::status& tune();

// Which library and kernel the products run on, for benchmark reports:
// "OpenBLAS 0.3.21 ... Cooperlake ... (kernel Cooperlake: as chosen by OpenBLAS)".
// Runs tune() if nothing has.
std::string backend();

} // namespace typegrad::blas
