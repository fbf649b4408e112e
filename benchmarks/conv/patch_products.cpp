// SPDX-License-Identifier: MIT
// Where should a convolution's products read the images in place? The two products
// with a patch matrix, Z = K patches(x) and ∂K = D patches(x)ᵀ, two ways, one thread,
// batch 128, for LeNet-5's layers and for output channel counts around the schedule's
// cut (patch_products::max_channels):
//   im2col : patches(x) into a buffer (ops/conv.hpp's compute), then blas::gemm; the
//            patch matrix is built once per step, so it is timed with the forward product
//   direct : exec/patch_products.hpp, reading x in place
// Benchmarks are named <dtype>/<layer>_<Cout>/<product>/<way>. Before timing, each direct
// product is checked against im2col + gemm. Run:
//   patch_products_benchmark --benchmark_repetitions=5 --benchmark_report_aggregates_only=true
#include <typegrad/exec/gemm.hpp>
#include <typegrad/exec/patch_products.hpp>
#include <typegrad/ops/conv.hpp>

#include <benchmark/benchmark.h>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>

namespace tg = typegrad;

namespace {

constexpr std::size_t batch = 128;

template <class Win, tg::dim Cout, class T>
struct layer {
    static constexpr std::size_t R = Win::patch_rows, P = Win::positions, C = std::size_t(Cout);
    xt::xtensor<T, 2> x = xt::zeros<T>({std::size_t(Win::image_rows), batch}), k = xt::zeros<T>({C, R}),
                      d = xt::zeros<T>({C, P * batch});
    xt::xtensor<T, 2> cols = xt::zeros<T>({R, P * batch}), z = xt::zeros<T>({C, P * batch}), dk = xt::zeros<T>({C, R});
    layer() {
        std::mt19937_64 rng(7);
        std::uniform_real_distribution<double> u(-1, 1);
        for (auto* m : {&x, &k, &d})
            for (auto& v : *m) v = T(u(rng));
    }
    void im2col_forward() {
        tg::patches_op<Win>::compute(cols, x);
        tg::blas::gemm(tg::blas::transpose::no, tg::blas::transpose::no, T(1), k, cols, T(0), z);
    }
    void im2col_kernel_gradient() { tg::blas::gemm(tg::blas::transpose::no, tg::blas::transpose::yes, T(1), d, cols, T(0), dk); }
    void direct_forward() { tg::patch_products::times<Win, Cout>(z, k, x); }
    void direct_kernel_gradient() { tg::patch_products::times_transposed<Win, Cout>(dk, d, x); }
};

// max |a − b| / max |b|
template <class T>
double relative_difference(const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b) {
    double diff = 0, scale = 1e-300;
    for (std::size_t i = 0; i < a.size(); ++i) {
        diff = std::max(diff, std::abs(double(a.data()[i]) - double(b.data()[i])));
        scale = std::max(scale, std::abs(double(b.data()[i])));
    }
    return diff / scale;
}

template <class Win, tg::dim Cout, class T>
void check(const std::string& what) {
    layer<Win, Cout, T> l;
    l.im2col_forward();
    l.im2col_kernel_gradient();
    const xt::xtensor<T, 2> z = l.z, dk = l.dk;
    l.direct_forward();
    l.direct_kernel_gradient();
    const double bound = 2.0 * double(layer<Win, Cout, T>::P * batch) * double(std::numeric_limits<T>::epsilon());
    if (relative_difference(l.z, z) > bound || relative_difference(l.dk, dk) > bound) {
        std::fprintf(stderr, "patch_products_benchmark: %s: the direct products differ from im2col + gemm\n", what.c_str());
        std::exit(1);
    }
}

template <class Win, tg::dim Cout, class T>
void add(const char* name) {
    const std::string base = std::string(sizeof(T) == 4 ? "float32/" : "float64/") + name + "_" + std::to_string(Cout);
    check<Win, Cout, T>(base);
    auto* l = new layer<Win, Cout, T>; // lives as long as the benchmarks
    auto one = [&](const std::string& suffix, void (layer<Win, Cout, T>::*f)()) {
        benchmark::RegisterBenchmark((base + suffix).c_str(), [l, f](benchmark::State& state) {
            for (auto _ : state) {
                (l->*f)();
                benchmark::ClobberMemory();
            }
        })->Unit(benchmark::kMicrosecond);
    };
    one("/forward/im2col", &layer<Win, Cout, T>::im2col_forward);
    one("/forward/direct", &layer<Win, Cout, T>::direct_forward);
    one("/kernel_gradient/im2col", &layer<Win, Cout, T>::im2col_kernel_gradient);
    one("/kernel_gradient/direct", &layer<Win, Cout, T>::direct_kernel_gradient);
}

template <class T>
void add_all() {
    using conv1 = tg::window<1, 28, 28, 5, 1, 2>; // LeNet-5's conv1 geometry
    using conv2 = tg::window<6, 14, 14, 5>;       // LeNet-5's conv2 geometry
    add<conv1, 6, T>("conv1");
    add<conv1, 8, T>("conv1");
    add<conv1, 12, T>("conv1");
    add<conv1, 16, T>("conv1");
    add<conv1, 32, T>("conv1");
    add<conv2, 6, T>("conv2");
    add<conv2, 16, T>("conv2");
}

} // namespace

int main(int argc, char** argv) {
    tg::blas::tune();
    tg::blas::set_threads(1);
    add_all<float>();
    add_all<double>();
    benchmark::Initialize(&argc, argv);
    benchmark::RunSpecifiedBenchmarks();
    benchmark::Shutdown();
}
