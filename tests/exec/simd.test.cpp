// SPDX-License-Identifier: MIT
// The SIMD kernels against the scalar reference: every op that opts in
// (`vectorized`) gives, on an xsimd batch, values within a stated number of ulps of
// its scalar `apply`, on a sweep that includes ±0, denormals, huge values,
// infinities and NaN, in float and double; NaN and infinities agree exactly. The
// fused loops take that path, with a scalar tail, and a chain holding an op that
// did not opt in runs scalar, bit for bit.
#include <doctest/doctest.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <limits>
#include <string>
#include <vector>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

namespace {

// Distance in units in the last place: the number of representable values between
// a and b (±0 are one value). Meaningful for finite a and b.
template <class T>
std::int64_t ulps(T a, T b) {
    using bits = std::conditional_t<sizeof(T) == 4, std::int32_t, std::int64_t>;
    auto ordered = [](T v) {
        const bits i = std::bit_cast<bits>(v);
        return i < 0 ? std::numeric_limits<bits>::min() - i : i;
    };
    const std::int64_t d = std::int64_t(ordered(a)) - std::int64_t(ordered(b));
    return d < 0 ? -d : d;
}

template <class T>
std::vector<T> sweep() {
    using lim = std::numeric_limits<T>;
    std::vector<T> v = {T(0), lim::denorm_min(), lim::min() / 3, lim::min(), lim::epsilon(), T(1e-30), T(1e-7),
                        T(0.5), T(1), T(2), T(20), T(80), T(88.7), T(89), T(700), T(710), T(1e30), lim::max(),
                        lim::infinity()};
    for (int k = -4000; k <= 4000; ++k) v.push_back(T(k) / T(97)); // ±41 in steps of ~0.01
    for (int e = -60; e <= 60; ++e) v.push_back(std::ldexp(T(1.37), e));
    const std::size_t n = v.size();
    for (std::size_t k = 0; k < n; ++k) v.push_back(-v[k]);
    v.push_back(lim::quiet_NaN());
    while (v.size() % tg::simd_batch<T>::size) v.push_back(T(0.25));
    return v;
}

// Largest ulps distance between Op's batch and scalar results over the sweep (each
// operand of a binary op runs through the sweep against a few partners). Fails the
// test case outright on a NaN or infinity mismatch.
template <class Op, class T>
std::int64_t worst_ulps() {
    using batch = tg::simd_batch<T>;
    const std::vector<T> xs = sweep<T>();
    std::int64_t worst = 0;
    auto compare = [&](T scalar, T vectorised, T x) {
        INFO("x = " << x << ": scalar " << scalar << ", batch " << vectorised);
        if (std::isnan(scalar) || std::isnan(vectorised)) {
            CHECK(std::isnan(scalar) == std::isnan(vectorised));
            return;
        }
        if (std::isinf(scalar) || std::isinf(vectorised)) {
            CHECK(scalar == vectorised);
            return;
        }
        worst = std::max(worst, ulps(scalar, vectorised));
    };
    alignas(64) T out[batch::size];
    for (std::size_t k = 0; k < xs.size(); k += batch::size) {
        const batch a = batch::load_unaligned(&xs[k]);
        if constexpr (requires(T t) { Op::apply(t); }) {
            Op::apply(a).store_unaligned(out);
            for (std::size_t l = 0; l < batch::size; ++l) compare(Op::apply(xs[k + l]), out[l], xs[k + l]);
        } else {
            for (T partner : {T(-3.5), T(0.1), T(1), T(7e10), T(0), std::numeric_limits<T>::infinity()}) {
                Op::apply(a, batch(partner)).store_unaligned(out);
                for (std::size_t l = 0; l < batch::size; ++l) compare(Op::apply(xs[k + l], partner), out[l], xs[k + l]);
                Op::apply(batch(partner), a).store_unaligned(out);
                for (std::size_t l = 0; l < batch::size; ++l) compare(Op::apply(partner, xs[k + l]), out[l], xs[k + l]);
            }
        }
    }
    return worst;
}

template <class Op>
void check_op(std::int64_t bound_float, std::int64_t bound_double) {
    INFO(Op::name);
    const std::int64_t f = worst_ulps<Op, float>(), d = worst_ulps<Op, double>();
    MESSAGE(std::string(Op::name) << ": worst " << f << " ulps (float), " << d << " ulps (double)");
    CHECK(f <= bound_float);
    CHECK(d <= bound_double);
}

} // namespace

// The bounds, in ulps of the scalar result (std:: functions of glibc), are the
// worst measured on this sweep with xsimd 8.1 (AVX2): arithmetic, sqrt and the
// select-based ops are exact; exp and log 1, tanh and softplus 2, sigmoid 2 in
// float and 3 in double. Subnormal results and arguments included (see
// exec/simd_math.hpp for the edges repaired).
TEST_CASE("every vectorised op agrees with its scalar apply within its ulps bound, in float and double") {
    check_op<tg::add_op>(0, 0);
    check_op<tg::sub_op>(0, 0);
    check_op<tg::mul_op>(0, 0);
    check_op<tg::div_op>(0, 0);
    check_op<tg::neg_op>(0, 0);
    check_op<tg::square_op>(0, 0);
    check_op<tg::sqrt_op>(0, 0);
    check_op<tg::relu_op>(0, 0);
    check_op<tg::step_op>(0, 0);
    check_op<tg::exp_op>(1, 1);
    check_op<tg::log_op>(1, 1);
    check_op<tg::sigmoid_op>(2, 3);
    check_op<tg::tanh_op>(3, 3);
    check_op<tg::softplus_op>(2, 2);
}

TEST_CASE("a chain is vectorised only when every op in it opted in") {
    using x_read = tg::kernels::read<float, false, false>;
    using bias_read = tg::kernels::read<float, false, true>;
    using z = tg::kernels::binary<tg::add_op, x_read, bias_read>;
    static_assert(tg::kernels::unary<tg::sigmoid_op, z>::vectorized);
    static_assert(!tg::kernels::unary<tg::sin_op, z>::vectorized); // sin keeps its scalar apply
    static_assert(!tg::kernels::binary<tg::mul_op, tg::kernels::unary<tg::sin_op, z>, x_read>::vectorized);
    static_assert(!tg::kernels::unary<tg::exp_op, tg::kernels::transposed_read<float, false, false>>::vectorized);
}

TEST_CASE("fused loops take SIMD batches with a scalar tail; a chain with a scalar-only op is bit for bit scalar") {
    constexpr auto x = tg::var<"x">;
    constexpr auto b = tg::col<"b">;
    constexpr std::size_t width = tg::simd_batch<double>::size, cols = 2 * width + 3;
    xt::xtensor<double, 2> X = xt::zeros<double>({std::size_t{3}, cols}), B = {{0.5}, {-1.0}, {2.0}};
    for (std::size_t k = 0; k < X.size(); ++k) X.data()[k] = std::sin(double(k)) * 3;
    const auto v = tg::values(x = X, b = B);

    const auto fused = tg::eval(tg::tanh(x * b) + tg::exp(x), v);
    const auto scalar_only = tg::eval(tg::sin(x * b) + tg::exp(x), v);
    for (std::size_t i = 0; i < 3; ++i)
        for (std::size_t j = 0; j < cols; ++j) {
            const double t = std::tanh(X(i, j) * B(i, 0)) + std::exp(X(i, j));
            const double s = std::sin(X(i, j) * B(i, 0)) + std::exp(X(i, j));
            INFO("(" << i << ", " << j << ")");
            if (j >= 2 * width) CHECK(fused(i, j) == t); // the tail: scalar apply
            else CHECK(std::abs(fused(i, j) - t) <= 8 * std::numeric_limits<double>::epsilon() * std::abs(t));
            CHECK(scalar_only(i, j) == s);
        }
}

// Binary cross-entropy is a sum of elementwise terms: the executor sums them on batches
// (exec/loops.hpp's sum_of_terms), the op's compute is the scalar reference. Each term is
// within a few ulps (log and log1p, above), and the two sums add in different orders:
// |batch − scalar| ≤ n·ε·Σ|term| / m bounds both. Saturated outputs (a = 0 and a = 1)
// hit the −100 floor on both paths, and a NaN comes out NaN.
TEST_CASE_TEMPLATE("binary cross-entropy summed on SIMD batches agrees with its scalar reference", T, float, double) {
    constexpr auto a = tg::var<"a">;
    constexpr auto y = tg::var<"y">;
    constexpr std::size_t rows = 7, cols = 3 * tg::simd_batch<T>::size + 5; // a scalar tail
    xt::xtensor<T, 2> A = xt::zeros<T>({rows, cols}), Y = xt::zeros<T>({rows, cols});
    double magnitude = 0;
    for (std::size_t k = 0; k < A.size(); ++k) {
        A.data()[k] = T(0.5 + 0.499 * std::sin(double(k) * 1.7));
        Y.data()[k] = T(k % 3 == 0 ? 1 : k % 3 == 1 ? 0 : 0.25);
    }
    A(0, 0) = 0, Y(0, 0) = 1; // log 0 = −∞: the floor
    A(1, 2) = 1, Y(1, 2) = 0; // log(1 − 1): the floor
    for (std::size_t k = 0; k < A.size(); ++k)
        magnitude += std::abs(double(tg::binary_cross_entropy_op::term(A.data()[k], Y.data()[k])));

    xt::xtensor<T, 2> reference({1, 1});
    tg::binary_cross_entropy_op::compute(reference, A, Y);
    const T batched = tg::eval(tg::binary_cross_entropy(a, y), tg::values(a = A, y = Y))(0, 0);
    const double bound = double(A.size()) * double(std::numeric_limits<T>::epsilon()) * magnitude / double(cols);
    INFO("batched " << batched << ", scalar " << reference(0, 0) << ", bound " << bound);
    CHECK(std::abs(double(batched) - double(reference(0, 0))) <= bound);
    CHECK(reference(0, 0) > T(100) / T(cols)); // the two floored terms are in it

    A(3, 4) = std::numeric_limits<T>::quiet_NaN();
    CHECK(std::isnan(tg::eval(tg::binary_cross_entropy(a, y), tg::values(a = A, y = Y))(0, 0)));
}
