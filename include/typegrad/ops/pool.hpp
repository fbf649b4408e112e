// SPDX-License-Identifier: MIT
// Pooling over windows of images (layout: window.hpp).
//
// Max-pooling is two nodes, so that the argmax found in the forward pass is the
// one the backward pass uses (it is a node read by both, computed once):
//
//   maxpool(x) = x[argmax(x)]            i = argmax(x): per output pixel and example,
//                                        the image row of the window's largest entry
//   maxpool(x)′ = unpool(G, i)           G added at the rows i points to, zero elsewhere
//
// unpool and the gather are each other's adjoint; i, piecewise constant, has none.
// The indices are stored as values of the program's scalar type (exact: an image
// has far fewer than 2²⁴ rows).
//
// Average pooling: avgpool(x) = the mean of each window, avgpool(x)′ = avgunpool(G),
// which spreads each G entry evenly over its window.
#pragma once

#include <algorithm>
#include <limits>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/window.hpp>

namespace typegrad {

namespace detail {

// Calls f(output row, image row of window entry e, e) for every window entry,
// output rows in order.
template <class Win, class F>
void for_each_window_entry(F f) {
    constexpr dim K = Win::size, S = Win::stride, H = Win::height, W = Win::width;
    std::size_t out = 0;
    for (dim c = 0; c < Win::channels; ++c)
        for (dim oh = 0; oh < Win::out_height; ++oh)
            for (dim ow = 0; ow < Win::out_width; ++ow, ++out)
                for (dim e = 0; e < K * K; ++e)
                    f(out, std::size_t((c * H + oh * S + e / K) * W + ow * S + e % K), e);
}

template <class Win>
constexpr dim pooled_rows = Win::channels * Win::positions;

template <class Op, class Win, class A>
constexpr static_dims pooled_shape() {
    static_assert(window_shape_check<Op, Win::image_rows, A::rows>::ok);
    return {pooled_rows<Win>, A::cols};
}

} // namespace detail

// argmax(x): for each window and example, the image row of the largest entry
// (the first one on ties).
template <class Win>
struct pool_argmax_op : op_defaults {
    static_assert(Win::pad == 0, "typegrad: pooling windows have no padding");
    static constexpr std::string_view name = "argmax";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A>
    static constexpr static_dims static_shape() { return detail::pooled_shape<pool_argmax_op, Win, A>(); }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = {std::size_t(detail::pooled_rows<Win>), in[0].cols};
        return in[0].rows == std::size_t(Win::image_rows);
    }
    // Per window, a chunk of examples at a time: the running maxima and their rows sit
    // in small local arrays, so the inner loop is a vectorisable compare and two selects
    // over contiguous rows (no gather through the indices). Keeping the rows local too,
    // not in the output, matters: the compiler cannot prove that the output does not
    // alias the input, and did not vectorise the loop while it wrote there.
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& x) {
        constexpr dim K = Win::size, S = Win::stride, H = Win::height, W = Win::width;
        constexpr std::size_t chunk = 64;
        const std::size_t batch = x.shape(1);
        const T* in = x.data();
        T* o = out.data();
        alignas(64) T best[chunk];
        alignas(64) T where[chunk];
        for (dim c = 0; c < Win::channels; ++c)
            for (dim oh = 0; oh < Win::out_height; ++oh)
                for (dim ow = 0; ow < Win::out_width; ++ow, o += batch) {
                    const std::size_t corner = std::size_t((c * H + oh * S) * W + ow * S);
                    for (std::size_t b0 = 0; b0 < batch; b0 += chunk) {
                        const std::size_t n = std::min(chunk, batch - b0);
                        const T* first = in + corner * batch + b0;
                        for (std::size_t b = 0; b < n; ++b) best[b] = first[b], where[b] = T(corner);
                        for (dim e = 1; e < K * K; ++e) {
                            const std::size_t row = corner + std::size_t((e / K) * W + e % K);
                            const T* candidate = in + row * batch + b0;
                            const T r = T(row);
                            for (std::size_t b = 0; b < n; ++b) {
                                const bool larger = candidate[b] > best[b]; // the first maximum wins ties
                                best[b] = larger ? candidate[b] : best[b];
                                where[b] = larger ? r : where[b];
                            }
                        }
                        std::copy_n(where, n, o + b0);
                    }
                }
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G) { return literal<0>{}; }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("argmax", "\\operatorname{argmax}", a[0], s);
    }
};

// maxpool(x, i): out(r, b) = x(i(r, b), b), the gather at the forward argmax.
template <class Win>
struct max_pool_op : op_defaults {
    static constexpr std::string_view name = "maxpool";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A, class I>
    static constexpr static_dims static_shape() { return detail::pooled_shape<max_pool_op, Win, A>(); }
    template <class A, class I>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = in[1];
        return in[0].rows == std::size_t(Win::image_rows) && in[1].rows == std::size_t(detail::pooled_rows<Win>) &&
               in[0].cols == in[1].cols;
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& idx) {
        const std::size_t batch = x.shape(1);
        const T* i = idx.data();
        T* o = out.data();
        for (std::size_t r = 0; r < out.shape(0); ++r, i += batch, o += batch)
            for (std::size_t b = 0; b < batch; ++b) o[b] = x.data()[std::size_t(i[b]) * batch + b];
    }
    // maxpool(x)′ = unpool(G, i); the indices get no adjoint
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 2>& a, style s) {
        return print_call("maxpool", "\\operatorname{maxpool}", a[0], s);
    }
};

// unpool(G, i): zeros shaped like the image, with G(r, b) added at row i(r, b).
template <class Win>
struct max_unpool_op : op_defaults {
    static constexpr std::string_view name = "unpool";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class G, class I>
    static constexpr static_dims static_shape() { return {Win::image_rows, I::cols}; }
    template <class G, class I>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = {std::size_t(Win::image_rows), in[1].cols};
        return in[0] == in[1];
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& g, const xt::xtensor<T, 2>& idx) {
        const std::size_t batch = out.shape(1);
        std::fill_n(out.data(), out.size(), T(0));
        const T* i = idx.data();
        const T* src = g.data();
        for (std::size_t r = 0; r < g.shape(0); ++r, i += batch, src += batch)
            for (std::size_t b = 0; b < batch; ++b) out.data()[std::size_t(i[b]) * batch + b] += src[b];
    }
    // unpool(G, i)′ = G′[i], the same gather
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 2>& a, style s) {
        if (s == style::latex) return {"\\operatorname{unpool}\\left(" + a[0].text + ", " + a[1].text + "\\right)", prec::postfix};
        return {"unpool(" + a[0].text + ", " + a[1].text + ")", prec::postfix};
    }
};

// avgpool(x) and avgunpool(G), its adjoint: the window mean, and each G entry
// spread evenly (1/k² each) over its window.
template <class Win, bool Forward>
struct avg_pool_op : op_defaults {
    static_assert(Win::pad == 0, "typegrad: pooling windows have no padding");
    static constexpr std::string_view name = Forward ? "avgpool" : "avgunpool";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class A>
    static constexpr static_dims static_shape() {
        if constexpr (Forward) return detail::pooled_shape<avg_pool_op, Win, A>();
        else {
            static_assert(window_shape_check<avg_pool_op, detail::pooled_rows<Win>, A::rows>::ok);
            return {Win::image_rows, A::cols};
        }
    }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        const std::size_t image = std::size_t(Win::image_rows), pooled = std::size_t(detail::pooled_rows<Win>);
        out = {Forward ? pooled : image, in[0].cols};
        return in[0].rows == (Forward ? image : pooled);
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        const std::size_t batch = a.shape(1);
        const T scale = T(1) / T(Win::size * Win::size);
        std::fill_n(out.data(), out.size(), T(0));
        detail::for_each_window_entry<Win>([&](std::size_t i, std::size_t row, dim) {
            const T* src = a.data() + (Forward ? row : i) * batch;
            T* dst = out.data() + (Forward ? i : row) * batch;
            for (std::size_t b = 0; b < batch; ++b) dst[b] += scale * src[b];
        });
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call(name, Forward ? "\\operatorname{avgpool}" : "\\operatorname{avgunpool}", a[0], s);
    }
};

template <class Win, node X>
constexpr auto max_pool(X x) {
    return make<max_pool_op<Win>>(x, make<pool_argmax_op<Win>>(x));
}
template <class Win, node X>
constexpr auto avg_pool(X x) {
    if constexpr (detail::is_zero<X>::value) return x;
    else return make<avg_pool_op<Win, true>>(x);
}

template <class Win>
template <std::size_t K, class Self, class G>
constexpr auto max_pool_op<Win>::vjp(Self self, G g) {
    if constexpr (K == 1 || detail::is_zero<G>::value) return literal<0>{};
    else return make<max_unpool_op<Win>>(g, operand<1>(self));
}
template <class Win>
template <std::size_t K, class Self, class G>
constexpr auto max_unpool_op<Win>::vjp(Self self, G g) {
    if constexpr (K == 1 || detail::is_zero<G>::value) return literal<0>{};
    else return make<max_pool_op<Win>>(g, operand<1>(self));
}
template <class Win, bool Forward>
template <std::size_t K, class Self, class G>
constexpr auto avg_pool_op<Win, Forward>::vjp(Self, G g) {
    if constexpr (detail::is_zero<G>::value) return g;
    else return make<avg_pool_op<Win, !Forward>>(g);
}

// max_pool2d<C, H, W, k, stride>(x), avg_pool2d<...>(x): pooling with a k×k window
// (stride k unless given) over C-channel H×W images.
template <dim C, dim H, dim W, dim K, dim Stride = K, node X>
constexpr auto max_pool2d(X x) { return max_pool<window<C, H, W, K, Stride>>(x); }
template <dim C, dim H, dim W, dim K, dim Stride = K, node X>
constexpr auto avg_pool2d(X x) { return avg_pool<window<C, H, W, K, Stride>>(x); }

} // namespace typegrad
