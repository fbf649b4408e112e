// SPDX-License-Identifier: MIT
// The two products with a patch matrix, computed without the patch matrix:
//
//   Z  = K · patches(x)     Z(o, p·B + b) = Σ_r K(o, r) · x(pixel(r, p), b)
//   ∂K = D · patches(x)ᵀ    ∂K(o, r)      = Σ_p Σ_b D(o, p·B + b) · x(pixel(r, p), b)
//
// where pixel(r, p) is the image row that patch row r reads at window position p
// (none in the padding: the term is zero). patches(x) repeats every pixel up to k²
// times; for a layer with few output channels (LeNet's conv1: 6 kernels of 5×5 on
// one channel) the product is bound by memory, and writing the patch matrix, then
// BLAS packing it again, costs more than the arithmetic. Reading x in place keeps
// the data in cache: x (C·H·W × B) is re-read, never copied.
//
// Both loops vectorise along the batch, which is contiguous in every row of x, D and
// Z, and keep a tile of accumulators in registers: output channels × two batch
// vectors for Z, output channels × patch rows for ∂K. Each entry is summed in the
// same order whatever the thread count (threads take whole positions for Z and
// whole patch rows for ∂K), so results do not depend on it.
#pragma once

#include <algorithm>
#include <array>
#include <cstddef>
#include <type_traits>
#include <utility>

#include <xsimd/xsimd.hpp>
#include <xtensor/xtensor.hpp>

#include <typegrad/exec/loops.hpp>
#include <typegrad/ops/parallel.hpp>
#include <typegrad/ops/window.hpp>

namespace typegrad::patch_products {

// The register tile along the output channels: 8 channels × 2 vectors are 16
// accumulators, which fit AVX-512's 32 registers beside the operands; AVX2 has 16
// registers, so 6 there.
inline constexpr std::size_t channel_tile = simd_batch<float>::size >= 16 ? 8 : 6;

// The products run in place only up to this many output channels (the product's
// rows). Measured on Zen 4, one thread, batch 128 (benchmarks/conv/patch_products.cpp,
// results in benchmarks/results/zen4-patch-products/): both products together take
// 0.19–0.58 of im2col + OpenBLAS for 6 to 16 channels of LeNet-5's conv1 geometry,
// 0.28–0.94 for its conv2 (6 and 16 channels), and 0.74–0.94 at 32 channels, where the
// kernel gradient alone is already slower than BLAS: there the arithmetic, not the
// copy, dominates, and BLAS's blocking does it better.
inline constexpr dim max_channels = 16;

// Calls f(first, std::integral_constant<std::size_t, n>) for tiles of n ≤ Tile out of
// Count: the full tiles, then the rest. Count is static (a layer's output channels), so
// the only tiles compiled are those the layer needs.
template <std::size_t Count, std::size_t Tile, class F>
void for_each_tile(F&& f) {
    for (std::size_t first = 0; first + Tile <= Count; first += Tile) f(first, std::integral_constant<std::size_t, Tile>{});
    if constexpr (Count % Tile != 0) f(Count - Count % Tile, std::integral_constant<std::size_t, Count % Tile>{});
}

namespace detail {

// The sum of a batch's lanes, first to last. (Through memory: GCC 12 warns about its
// own AVX-512 intrinsics under xsimd::hadd in double.)
template <class V>
auto lane_sum(const V& v) {
    alignas(64) std::array<typename V::value_type, V::size> lanes;
    v.store_aligned(lanes.data());
    typename V::value_type s = 0;
    for (auto l : lanes) s += l;
    return s;
}

// f(0), f(1), …, f(N − 1) with each index a constant: the accumulator arrays below
// stay in registers only when every index into them is one, which GCC at -O2 does not
// arrange for a plain loop (measured: the kernels 2.4–3.6× slower than at -O3).
template <std::size_t N, class F>
void unrolled(F&& f) {
    [&]<std::size_t... I>(std::index_sequence<I...>) { (f(std::integral_constant<std::size_t, I>{}), ...); }(
        std::make_index_sequence<N>{});
}

// Z(o0 .. o0+O, p·B ..) for one position p from its taps (patch row, pixel), O
// channels at a time: two batch vectors per pass, then one, then scalars. (The scalar
// tail multiplies and adds, which the compiler fuses where the target has FMA: std::fma
// would be a library call on one without.)
template <std::size_t O, class T>
void times_tile(T* z, std::size_t ldz, const T* k, std::size_t ldk, const T* x, std::size_t batch,
                const std::ptrdiff_t* tap_row, const std::ptrdiff_t* tap_pixel, std::size_t taps) {
    using V = simd_batch<T>;
    constexpr std::size_t W = V::size;
    std::size_t b = 0;
    for (; b + 2 * W <= batch; b += 2 * W) {
        std::array<V, O> lo, hi;
        unrolled<O>([&](auto o) { lo[o] = hi[o] = V(T(0)); });
        for (std::size_t t = 0; t < taps; ++t) {
            const T* row = x + std::size_t(tap_pixel[t]) * batch + b;
            const V a0 = V::load_unaligned(row), a1 = V::load_unaligned(row + W);
            const T* kt = k + std::size_t(tap_row[t]);
            unrolled<O>([&](auto o) {
                const V w(kt[o * ldk]);
                lo[o] = xsimd::fma(w, a0, lo[o]);
                hi[o] = xsimd::fma(w, a1, hi[o]);
            });
        }
        unrolled<O>([&](auto o) {
            lo[o].store_unaligned(z + o * ldz + b);
            hi[o].store_unaligned(z + o * ldz + b + W);
        });
    }
    for (; b + W <= batch; b += W) {
        std::array<V, O> acc;
        unrolled<O>([&](auto o) { acc[o] = V(T(0)); });
        for (std::size_t t = 0; t < taps; ++t) {
            const V a = V::load_unaligned(x + std::size_t(tap_pixel[t]) * batch + b);
            const T* kt = k + std::size_t(tap_row[t]);
            unrolled<O>([&](auto o) { acc[o] = xsimd::fma(V(kt[o * ldk]), a, acc[o]); });
        }
        unrolled<O>([&](auto o) { acc[o].store_unaligned(z + o * ldz + b); });
    }
    for (; b < batch; ++b)
        for (std::size_t o = 0; o < O; ++o) {
            T s = 0;
            for (std::size_t t = 0; t < taps; ++t) s += k[o * ldk + std::size_t(tap_row[t])] * x[std::size_t(tap_pixel[t]) * batch + b];
            z[o * ldz + b] = s;
        }
}

// ∂K(o0 .. o0+O, r0 .. r0+R) += Σ over positions [p0, p1) and the batch, as O × R
// vector accumulators summed across their lanes at the end. A tap in the padding
// reads a row of zeros: xr[j] points at `zeros` with step 0.
template <class Win, std::size_t O, std::size_t R, class T>
void transposed_tile(T* dk, std::size_t lddk, const T* d, std::size_t ldd, const T* x, std::size_t batch,
                     std::size_t r0, std::size_t p0, std::size_t p1) {
    using V = simd_batch<T>;
    constexpr std::size_t W = V::size;
    alignas(64) static constexpr std::array<T, W> zeros{};
    std::array<std::array<V, R>, O> acc;
    unrolled<O>([&](auto o) { unrolled<R>([&](auto j) { acc[o][j] = V(T(0)); }); });
    std::array<std::array<T, R>, O> tail{};
    for (std::size_t p = p0; p < p1; ++p) {
        std::array<const T*, R> xr;
        std::array<std::size_t, R> step;
        for (std::size_t j = 0; j < R; ++j) {
            const std::ptrdiff_t px = Win::pixel(dim(r0 + j), dim(p));
            xr[j] = px < 0 ? zeros.data() : x + std::size_t(px) * batch;
            step[j] = px < 0 ? 0 : 1;
        }
        const T* dp = d + p * batch;
        std::size_t b = 0;
        for (; b + W <= batch; b += W) {
            std::array<V, R> a;
            unrolled<R>([&](auto j) { a[j] = V::load_unaligned(xr[j] + b * step[j]); });
            unrolled<O>([&](auto o) {
                const V g = V::load_unaligned(dp + o * ldd + b);
                unrolled<R>([&](auto j) { acc[o][j] = xsimd::fma(g, a[j], acc[o][j]); });
            });
        }
        for (; b < batch; ++b)
            for (std::size_t o = 0; o < O; ++o)
                for (std::size_t j = 0; j < R; ++j) tail[o][j] += dp[o * ldd + b] * xr[j][b * step[j]];
    }
    for (std::size_t o = 0; o < O; ++o)
        for (std::size_t j = 0; j < R; ++j) dk[o * lddk + r0 + j] += lane_sum(acc[o][j]) + tail[o][j];
}

} // namespace detail

// Z = K · patches(x): Z is Cout × (P·B), K is Cout × C·k·k, x is C·H·W × B.
template <class Win, dim Cout, class T>
void times(xt::xtensor<T, 2>& z, const xt::xtensor<T, 2>& k, const xt::xtensor<T, 2>& x) {
    constexpr std::size_t R = Win::patch_rows, P = Win::positions;
    const std::size_t batch = x.shape(1), ldz = z.shape(1);
    parallel_blocks(P, std::size_t(Cout) * R * P * batch, 1, [&](std::size_t first, std::size_t last) {
        for (std::size_t p = first; p < last; ++p) {
            std::array<std::ptrdiff_t, R> row, px; // the taps inside the image
            std::size_t taps = 0;
            for (std::size_t r = 0; r < R; ++r)
                if (const std::ptrdiff_t q = Win::pixel(dim(r), dim(p)); q >= 0) row[taps] = std::ptrdiff_t(r), px[taps++] = q;
            for_each_tile<Cout, channel_tile>([&](std::size_t o, auto n) {
                detail::times_tile<n>(z.data() + o * ldz + p * batch, ldz, k.data() + o * R, R, x.data(), batch,
                                      row.data(), px.data(), taps);
            });
        }
    });
}

// ∂K = D · patches(x)ᵀ: ∂K is Cout × C·k·k, D is Cout × (P·B), x is C·H·W × B.
// Positions go in blocks whose slice of D (32 KB) stays in L1 while every tile reads it.
template <class Win, dim Cout, class T>
void times_transposed(xt::xtensor<T, 2>& dk, const xt::xtensor<T, 2>& d, const xt::xtensor<T, 2>& x) {
    constexpr std::size_t R = Win::patch_rows, P = Win::positions, rows_tile = 2;
    const std::size_t batch = x.shape(1), ldd = d.shape(1);
    const std::size_t block = std::max<std::size_t>(1, (32 * 1024) / std::max<std::size_t>(1, std::size_t(Cout) * batch * sizeof(T)));
    std::fill_n(dk.data(), dk.size(), T(0));
    parallel_blocks((R + rows_tile - 1) / rows_tile, std::size_t(Cout) * R * P * batch, 1, [&](std::size_t first, std::size_t last) {
        for (std::size_t p0 = 0; p0 < P; p0 += block)
            for (std::size_t t = first; t < last; ++t)
                for_each_tile<Cout, channel_tile>([&](std::size_t o, auto n) {
                    auto tile = [&](auto m) {
                        detail::transposed_tile<Win, n, m>(dk.data() + o * R, R, d.data() + o * ldd, ldd, x.data(), batch,
                                                           t * rows_tile, p0, std::min(P, p0 + block));
                    };
                    if constexpr (R % rows_tile == 0) tile(std::integral_constant<std::size_t, rows_tile>{});
                    else if (t * rows_tile + rows_tile <= R) tile(std::integral_constant<std::size_t, rows_tile>{});
                    else tile(std::integral_constant<std::size_t, R % rows_tile>{});
                });
    });
}

} // namespace typegrad::patch_products
