// SPDX-License-Identifier: MIT
// math::functions on xsimd batches: xsimd's vectorised functions, with the edges
// where xsimd 8.1 leaves the scalar reference repaired, so that the SIMD kernels
// stay within the ulps bounds tests/exec/simd.test.cpp checks on every input:
// - exp: xsimd returns 0 where the result is subnormal and inf just below the
//   overflow threshold; there exp(x) = exp(x/2)² (x/2 is exact, the square
//   rounds once more: within 2 ulps, and subnormals as the hardware rounds them).
// - log: xsimd's double log is wrong for subnormal inputs (log(1e-310) gives
//   -746.5 for -713.8); there log(x) = log(x·2⁵⁴) − 54 ln 2.
// - exp's argument is clamped first to a range where the result is already 0 or inf
//   (±1000 in double, ±200 in float), because xsimd converts the argument's exponent to
//   an integer before masking overflow out, and that conversion is undefined for huge
//   inputs (UBSan's float-cast-overflow); tanh's likewise, where it is already ±1.
//   NaN, for which that conversion is undefined too, goes in as 0 and is put back after.
// The repairs cost a few compares per batch while no lane is at an edge.
#pragma once

#include <limits>

#include <xsimd/xsimd.hpp>

#include <typegrad/ops/math.hpp>

namespace typegrad::math {

template <class T, class A>
struct functions<xsimd::batch<T, A>> {
    using batch = xsimd::batch<T, A>;
    using mask = xsimd::batch_bool<T, A>;

    static batch exp(batch a) {
        const batch x = clamped(a, T(sizeof(T) == 8 ? 1000 : 200));
        const batch r = xsimd::exp(x);
        const mask edge = (r == batch(T(0)) || xsimd::isinf(r)) && xsimd::isfinite(a);
        if (!xsimd::any(edge)) return nan_back(a, r);
        const batch half = xsimd::exp(x * batch(T(0.5)));
        return nan_back(a, xsimd::select(edge, half * half, r));
    }
    static batch log(batch a) {
        const batch r = xsimd::log(a);
        const mask subnormal = a > batch(T(0)) && a < batch(std::numeric_limits<T>::min());
        if (!xsimd::any(subnormal)) return r;
        const T scale = T(18014398509481984.0); // 2⁵⁴
        const batch shifted = xsimd::log(a * batch(scale)) - batch(T(54 * 0.693147180559945309417232121458176568L));
        return xsimd::select(subnormal, shifted, r);
    }
    static batch log1p(batch a) { return xsimd::log1p(a); }
    // tanh is ±1 to the last bit beyond ±20 (double) and ±10 (float); clamped there because
    // xsimd's tanh calls its exp on 2x, with the same conversion as above.
    static batch tanh(batch a) { return nan_back(a, xsimd::tanh(clamped(a, T(sizeof(T) == 8 ? 20 : 10)))); }
    static batch sqrt(batch a) { return xsimd::sqrt(a); }
    static batch abs(batch a) { return xsimd::abs(a); }
    static batch select(const mask& c, batch a, batch b) { return xsimd::select(c, a, b); }

  private:
    // a limited to [−limit, limit], NaN read as 0.
    static batch clamped(batch a, T limit) {
        const batch l(limit);
        return xsimd::select(a > l, l, xsimd::select(a < -l, -l, xsimd::select(a == a, a, batch(T(0)))));
    }
    // r, with NaN wherever the argument a was NaN.
    static batch nan_back(batch a, batch r) { return xsimd::select(a == a, r, a); }
};

} // namespace typegrad::math
