// SPDX-License-Identifier: MIT
// The OpenBLAS kernel check (include/typegrad/exec/openblas_kernel.hpp says why).
#include <typegrad/exec/openblas_kernel.hpp>

#include <cblas.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>

extern "C" {
// Exported by OpenBLAS DYNAMIC_ARCH builds (not declared in cblas.h). Weak, so a
// BLAS without them still links and the check only reports.
void gotoblas_dynamic_init(void) __attribute__((weak));
void gotoblas_dynamic_quit(void) __attribute__((weak));
}

namespace typegrad::blas {

namespace openblas_kernel {

int tier(std::string_view core) {
    for (std::string_view c : {"SkylakeX", "Cooperlake", "SapphireRapids"})
        if (core == c) return 2;
    for (std::string_view c : {"Haswell", "Zen"})
        if (core == c) return 1;
    return 0;
}

const char* best_for_cpu() {
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
    __builtin_cpu_init(); // may run before libgcc's own constructor has
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        return "SkylakeX";
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) return "Haswell";
#endif
    return nullptr;
}

const char* better_kernel(const char* at_load, const char* best) {
    if (!best || tier(at_load) >= tier(best)) return nullptr;
    return best;
}

bool reselect(const char* core) {
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

} // namespace openblas_kernel

const openblas_kernel::status& tune() {
    using namespace openblas_kernel;
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

std::string backend() { return std::string(openblas_get_config()) + " " + tune().describe(); }

} // namespace typegrad::blas
