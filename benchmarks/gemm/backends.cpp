// SPDX-License-Identifier: MIT
// Which matrix-product backend should typegrad use? Every product of one training
// step of the benchmark MLPs, timed on each candidate, single thread, float and double.
//
// Layout is typegrad's: features × batch, row-major. For a layer with W (out×in),
// activations a (in×batch) and delta δ (out×batch):
//   fwd : z  = W a      (out×in)(in×batch)        no transpose
//   dW  : dW = δ aᵀ / m (out×batch)(batch×in)     transposed B
//   da  : da = Wᵀ δ     (in×out)(out×batch)       transposed A (not for the first layer)
//
// Backends, all in one process:
//   openblas : typegrad::blas::gemm (cblas_?gemm), the kernel OpenBLAS picked at load
//              time; rerun with OPENBLAS_CORETYPE=Haswell|SkylakeX|Cooperlake|Zen|Prescott
//              to compare kernels (the kernel name is printed in the context header).
//   eigen    : Eigen 3.4 product on row-major Eigen::Map over the same buffers,
//              transposes as .transpose() of the map (no copies), noalias.
//   blis     : BLIS's typed API bli_?gemm with row/column strides (if configured).
//
// Benchmarks are named <dtype>/<case>/<product>/<backend>; <product> "step" is all the
// products of one step back to back. Useful runs:
//   gemm_backends --benchmark_filter=/step/ --benchmark_repetitions=5
//                 --benchmark_report_aggregates_only=true
//   OPENBLAS_CORETYPE=Zen gemm_backends --benchmark_filter='/openblas$'
// GFLOP/s is per CPU second (Google Benchmark rates use CPU time), which keeps
// numbers comparable on a shared machine; compare alternatives run side by side.
// Before timing, every backend is checked against OpenBLAS on every shape, including
// beta = 0 with C full of NaN (which must not leak into the result).
#include <typegrad/exec/gemm.hpp>

#include <Eigen/Core>
#include <benchmark/benchmark.h>

#ifdef TYPEGRAD_BENCH_BLIS
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wunused-parameter"
#pragma GCC diagnostic ignored "-Wtype-limits"
#include TYPEGRAD_BLIS_HEADER
#pragma GCC diagnostic pop
#include <dlfcn.h>
#endif

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <random>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

namespace {

using typegrad::blas::transpose;

// ---------------------------------------------------------------- backends

// The Eigen product over row-major maps; BLAS semantics C = alpha op(A) op(B) + beta C,
// and beta == 0 never reads C.
template <class T>
using RowMap = Eigen::Map<Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>, Eigen::Unaligned,
                          Eigen::OuterStride<>>;
template <class T>
using ConstRowMap = Eigen::Map<const Eigen::Matrix<T, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>,
                               Eigen::Unaligned, Eigen::OuterStride<>>;

template <class T, class LHS, class RHS>
void eigen_assign(T alpha, const LHS& a, const RHS& b, T beta, RowMap<T>& c) {
    if (beta == T(0)) {
        c.noalias() = alpha * a * b;
    } else {
        if (beta != T(1)) c *= beta;
        c.noalias() += alpha * a * b;
    }
}

template <class T>
void eigen_gemm(transpose ta, transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha, const T* a,
                std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    using Index = Eigen::Index;
    RowMap<T> C(c, Index(m), Index(n), Eigen::OuterStride<>(Index(ldc)));
    const bool at = ta == transpose::yes, bt = tb == transpose::yes;
    ConstRowMap<T> A(a, Index(at ? k : m), Index(at ? m : k), Eigen::OuterStride<>(Index(lda)));
    ConstRowMap<T> B(b, Index(bt ? n : k), Index(bt ? k : n), Eigen::OuterStride<>(Index(ldb)));
    if (!at && !bt) eigen_assign(alpha, A, B, beta, C);
    else if (!at && bt) eigen_assign(alpha, A, B.transpose(), beta, C);
    else if (at && !bt) eigen_assign(alpha, A.transpose(), B, beta, C);
    else eigen_assign(alpha, A.transpose(), B.transpose(), beta, C);
}

#ifdef TYPEGRAD_BENCH_BLIS
// BLIS is dlopen'ed RTLD_LOCAL (see CMakeLists.txt) so its cblas_* cannot shadow OpenBLAS's.
struct blis_api {
    decltype(&bli_init) init = nullptr;
    decltype(&bli_sgemm) sgemm = nullptr;
    decltype(&bli_dgemm) dgemm = nullptr;
    decltype(&bli_arch_query_id) arch_query_id = nullptr;
    decltype(&bli_arch_string) arch_string = nullptr;
    decltype(&bli_info_get_version_str) version = nullptr;
    bool load() {
        void* h = dlopen(TYPEGRAD_BLIS_LIBRARY, RTLD_NOW | RTLD_LOCAL);
        if (!h) return false;
        init = reinterpret_cast<decltype(init)>(dlsym(h, "bli_init"));
        sgemm = reinterpret_cast<decltype(sgemm)>(dlsym(h, "bli_sgemm"));
        dgemm = reinterpret_cast<decltype(dgemm)>(dlsym(h, "bli_dgemm"));
        arch_query_id = reinterpret_cast<decltype(arch_query_id)>(dlsym(h, "bli_arch_query_id"));
        arch_string = reinterpret_cast<decltype(arch_string)>(dlsym(h, "bli_arch_string"));
        version = reinterpret_cast<decltype(version)>(dlsym(h, "bli_info_get_version_str"));
        if (!(init && sgemm && dgemm && arch_query_id && arch_string && version)) return false;
        init();
        return true;
    }
} blis;

inline trans_t blis_flag(transpose t) { return t == transpose::yes ? BLIS_TRANSPOSE : BLIS_NO_TRANSPOSE; }
void blis_gemm(transpose ta, transpose tb, std::size_t m, std::size_t n, std::size_t k, float alpha,
               const float* a, std::size_t lda, const float* b, std::size_t ldb, float beta, float* c,
               std::size_t ldc) {
    blis.sgemm(blis_flag(ta), blis_flag(tb), dim_t(m), dim_t(n), dim_t(k), &alpha, const_cast<float*>(a),
               inc_t(lda), 1, const_cast<float*>(b), inc_t(ldb), 1, &beta, c, inc_t(ldc), 1);
}
void blis_gemm(transpose ta, transpose tb, std::size_t m, std::size_t n, std::size_t k, double alpha,
               const double* a, std::size_t lda, const double* b, std::size_t ldb, double beta, double* c,
               std::size_t ldc) {
    blis.dgemm(blis_flag(ta), blis_flag(tb), dim_t(m), dim_t(n), dim_t(k), &alpha, const_cast<double*>(a),
               inc_t(lda), 1, const_cast<double*>(b), inc_t(ldb), 1, &beta, c, inc_t(ldc), 1);
}
#endif

enum class backend { openblas, eigen, blis };

template <class T>
void run_gemm(backend be, transpose ta, transpose tb, std::size_t m, std::size_t n, std::size_t k, T alpha,
              const T* a, std::size_t lda, const T* b, std::size_t ldb, T beta, T* c, std::size_t ldc) {
    switch (be) {
    case backend::openblas: typegrad::blas::gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
    case backend::eigen: eigen_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); break;
    case backend::blis:
#ifdef TYPEGRAD_BENCH_BLIS
        blis_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
#endif
        break;
    }
}

// ---------------------------------------------------------------- the products of one step

struct mlp_case {
    const char* name;
    std::vector<std::size_t> widths; // input, hidden..., output
    std::size_t batch;
};

const std::vector<mlp_case> cases = {
    {"ex4", {400, 25, 10}, 5000},
    {"fashion", {784, 256, 10}, 128},
    {"deep", {784, 1024, 1024, 1024, 10}, 256},
};

struct product {
    std::string name; // e.g. "L1.fwd"
    transpose ta, tb;
    std::size_t m, n, k;
    std::size_t a_rows, a_cols, b_rows, b_cols; // storage shapes (row-major, ld = cols)
    double flops() const { return 2.0 * double(m) * double(n) * double(k); }
};

std::vector<product> step_products(const mlp_case& c) {
    std::vector<product> ps;
    const std::size_t B = c.batch;
    for (std::size_t l = 0; l + 1 < c.widths.size(); ++l) {
        const std::size_t in = c.widths[l], out = c.widths[l + 1];
        std::string L = "L";
        L += std::to_string(l + 1);
        // z = W a : W out×in, a in×B
        ps.push_back({L + ".fwd", transpose::no, transpose::no, out, B, in, out, in, in, B});
        // dW = δ aᵀ : δ out×B, a in×B (transposed)
        ps.push_back({L + ".dW", transpose::no, transpose::yes, out, in, B, out, B, in, B});
        // da = Wᵀ δ : W out×in (transposed), δ out×B; the input layer needs none
        if (l > 0) ps.push_back({L + ".da", transpose::yes, transpose::no, in, B, out, out, in, out, B});
    }
    return ps;
}

template <class T>
std::vector<T> random_buffer(std::size_t n, unsigned seed) {
    std::mt19937 gen(seed);
    std::uniform_real_distribution<T> dist(T(-1), T(1));
    std::vector<T> v(n);
    for (auto& x : v) x = dist(gen);
    return v;
}

template <class T>
struct operands {
    std::vector<T> a, b, c;
    explicit operands(const product& p)
        : a(random_buffer<T>(p.a_rows * p.a_cols, 1)), b(random_buffer<T>(p.b_rows * p.b_cols, 2)),
          c(p.m * p.n, T(0)) {}
    void run(backend be, const product& p, T alpha = T(1), T beta = T(0)) {
        run_gemm<T>(be, p.ta, p.tb, p.m, p.n, p.k, alpha, a.data(), p.a_cols, b.data(), p.b_cols, beta, c.data(),
                    p.n);
    }
};

template <class T>
void bm_product(benchmark::State& state, backend be, product p) {
    operands<T> ops(p);
    for (auto _ : state) {
        ops.run(be, p);
        benchmark::DoNotOptimize(ops.c.data());
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(p.flops() * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

template <class T>
void bm_step(benchmark::State& state, backend be, mlp_case c) {
    const auto ps = step_products(c);
    std::vector<operands<T>> ops;
    double flops = 0;
    for (const auto& p : ps) {
        ops.emplace_back(p);
        flops += p.flops();
    }
    const T inv_m = T(1) / T(c.batch);
    for (auto _ : state) {
        for (std::size_t i = 0; i < ps.size(); ++i) {
            ops[i].run(be, ps[i], ps[i].name.ends_with(".dW") ? inv_m : T(1));
            benchmark::DoNotOptimize(ops[i].c.data());
        }
        benchmark::ClobberMemory();
    }
    state.counters["GFLOP/s"] = benchmark::Counter(flops * 1e-9, benchmark::Counter::kIsIterationInvariantRate);
}

const char* backend_name(backend be) {
    switch (be) {
    case backend::openblas: return "openblas";
    case backend::eigen: return "eigen";
    case backend::blis: return "blis";
    }
    return "?";
}

// ---------------------------------------------------------------- agreement check

// Every backend must agree with OpenBLAS on every shape, for the step's alpha, and
// for beta = 0 (C full of NaN must not leak), beta = 1 and a general beta.
template <class T>
bool check_agreement(const std::vector<backend>& backends) {
    bool ok = true;
    const T tol = std::is_same_v<T, float> ? T(1e-4) : T(1e-12);
    for (const auto& c : cases)
        for (const auto& p : step_products(c))
            for (auto [alpha, beta] : {std::pair<T, T>{T(1), T(0)}, {T(0.5), T(1)}, {T(-2), T(0.25)}}) {
                operands<T> ref(p);
                const auto c0 = random_buffer<T>(p.m * p.n, 3);
                ref.c = beta == T(0) ? std::vector<T>(p.m * p.n, std::numeric_limits<T>::quiet_NaN()) : c0;
                auto start = ref.c;
                ref.run(backend::openblas, p, alpha, beta);
                for (backend be : backends) {
                    if (be == backend::openblas) continue;
                    operands<T> o(p);
                    o.c = start;
                    o.run(be, p, alpha, beta);
                    T worst = 0;
                    for (std::size_t i = 0; i < o.c.size(); ++i) {
                        const T d = std::abs(o.c[i] - ref.c[i]) / (T(1) + std::abs(ref.c[i])) / T(p.k);
                        if (!(d <= worst)) worst = std::isnan(d) ? std::numeric_limits<T>::infinity() : d;
                    }
                    if (!(worst <= tol)) {
                        std::fprintf(stderr, "MISMATCH %s %s %s alpha=%g beta=%g: %g\n", backend_name(be), c.name,
                                     p.name.c_str(), double(alpha), double(beta), double(worst));
                        ok = false;
                    }
                }
            }
    return ok;
}

template <class T>
void register_all(const char* dtype, const std::vector<backend>& backends) {
    for (const auto& c : cases) {
        for (backend be : backends)
            benchmark::RegisterBenchmark((std::string(dtype) + "/" + c.name + "/step/" + backend_name(be)).c_str(),
                                         bm_step<T>, be, c)
                ->Unit(benchmark::kMicrosecond);
        for (const auto& p : step_products(c)) {
            const std::string shape =
                std::to_string(p.m) + "x" + std::to_string(p.n) + "x" + std::to_string(p.k);
            for (backend be : backends)
                benchmark::RegisterBenchmark(
                    (std::string(dtype) + "/" + c.name + "/" + p.name + "." + shape + "/" + backend_name(be)).c_str(),
                    bm_product<T>, be, p)
                    ->Unit(benchmark::kMicrosecond);
        }
    }
}

} // namespace

int main(int argc, char** argv) {
    typegrad::blas::tune();
    typegrad::blas::set_threads(1);
    Eigen::setNbThreads(1);
    std::vector<backend> backends = {backend::openblas, backend::eigen};
#ifdef TYPEGRAD_BENCH_BLIS
    if (blis.load()) {
        backends.push_back(backend::blis);
        benchmark::AddCustomContext("blis", std::string(blis.version()) + " arch " +
                                                blis.arch_string(blis.arch_query_id()));
    } else {
        std::fprintf(stderr, "could not load BLIS from %s: %s\n", TYPEGRAD_BLIS_LIBRARY, dlerror());
    }
#endif
    const char* coretype = std::getenv("OPENBLAS_CORETYPE");
    benchmark::AddCustomContext("openblas", typegrad::blas::backend());
    benchmark::AddCustomContext("OPENBLAS_CORETYPE", coretype ? coretype : "(unset)");
    benchmark::AddCustomContext("eigen", std::to_string(EIGEN_WORLD_VERSION) + "." +
                                             std::to_string(EIGEN_MAJOR_VERSION) + "." +
                                             std::to_string(EIGEN_MINOR_VERSION) + " " +
                                             Eigen::SimdInstructionSetsInUse() +
                                             " threads=" + std::to_string(Eigen::nbThreads()));

    if (!check_agreement<float>(backends) || !check_agreement<double>(backends)) {
        std::fprintf(stderr, "backends disagree; not timing\n");
        return 1;
    }
    register_all<float>("f32", backends);
    register_all<double>("f64", backends);

    benchmark::Initialize(&argc, argv);
    if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
    return 0;
}
