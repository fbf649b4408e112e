// SPDX-License-Identifier: MIT
// Convolution as a matrix product over patches, the seed's transpose generalised:
//
//   conv(K, b, x) = features(K · patches(x) + b)
//
// patches(x) (im2col) puts each C×k×k patch of each image into a column, so the
// kernel bank K (Cout × C·k·k) applies to all of them in one product. The adjoints
// are then those of matmul, derived, not written here: ∂J/∂K = δ patches(x)ᵀ and
// ∂J/∂x = unpatch(Kᵀ δ), where unpatch (col2im) is the adjoint of patches: it adds
// every patch entry back onto the pixel it was read from.
//
// Layout (see window.hpp for images): patches(x) is C·k·k × (P·B) for P window
// positions and batch B, column p·B + b holding the patch at position p of example
// b. The product K · patches(x) is then Cout × (P·B), and that matrix has exactly
// the memory of the (Cout·P) × B feature matrix whose column b is example b's
// output image (channel-major, as window.hpp says). `features` and its adjoint
// `positions` only relabel the shape; the bias (Cout × 1) broadcasts before them.
#pragma once

#include <algorithm>
#include <cstring>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/matmul.hpp>
#include <typegrad/ops/window.hpp>

namespace typegrad {

namespace detail {

// Calls f(patch row r, image row or −1 for padding, destination column block p)
// for every entry of the patch matrix, in memory order.
template <class Win, class F>
void for_each_patch_entry(F f) {
    for (dim r = 0; r < Win::patch_rows; ++r)
        for (dim p = 0; p < Win::positions; ++p) f(std::ptrdiff_t(r), Win::pixel(r, p), p);
}

} // namespace detail

// patches(x): C·H·W × B images to C·k·k × (P·B) patches (im2col, zero padding).
template <class Win>
struct patches_op : op_defaults {
    static constexpr std::string_view name = "patches";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    // A product with few rows, K · patches(x) or D · patches(x)ᵀ, may read x in place
    // instead (exec/patch_products.hpp): the values are those of compute below.
    static constexpr bool read_by_products = true;
    using window = Win;
    template <class A>
    static constexpr static_dims static_shape() {
        static_assert(window_shape_check<patches_op, Win::image_rows, A::rows>::ok);
        return {Win::patch_rows, detail::times(A::cols, Win::positions)};
    }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = {std::size_t(Win::patch_rows), in[0].cols * std::size_t(Win::positions)};
        return in[0].rows == std::size_t(Win::image_rows);
    }
    // Each (patch row, position) is one contiguous run of B values: a copy of one
    // pixel's batch row, or zeros in the padding.
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& x) {
        const std::size_t batch = x.shape(1);
        const T* in = x.data();
        T* o = out.data();
        detail::for_each_patch_entry<Win>([&](std::ptrdiff_t r, dim pixel, dim p) {
            T* dst = o + (std::size_t(r) * Win::positions + std::size_t(p)) * batch;
            if (pixel >= 0) std::memcpy(dst, in + std::size_t(pixel) * batch, batch * sizeof(T));
            else std::fill_n(dst, batch, T(0));
        });
    }
    // patches(x)′ = unpatch(G)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return {print_call("patches", "\\operatorname{patches}", a[0], s).text, prec::atom}; // patches(x)ᵀ
    }
};

// unpatch(G): C·k·k × (P·B) to C·H·W × B, adding each patch entry onto the pixel
// it came from (col2im); entries from the padding are dropped. It is the adjoint
// of patches: ⟨patches(x), G⟩ = ⟨x, unpatch(G)⟩.
template <class Win>
struct unpatch_op : op_defaults {
    static constexpr std::string_view name = "unpatch";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool materialize_operands = true;
    template <class G>
    static constexpr static_dims static_shape() {
        static_assert(window_shape_check<unpatch_op, Win::patch_rows, G::rows>::ok);
        return {Win::image_rows, detail::divided(G::cols, Win::positions)};
    }
    template <class G>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = {std::size_t(Win::image_rows), in[0].cols / std::size_t(Win::positions)};
        return in[0].rows == std::size_t(Win::patch_rows) && in[0].cols % std::size_t(Win::positions) == 0;
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& g) {
        const std::size_t batch = out.shape(1);
        const T* in = g.data();
        T* o = out.data();
        std::fill_n(o, out.size(), T(0));
        detail::for_each_patch_entry<Win>([&](std::ptrdiff_t r, dim pixel, dim p) {
            if (pixel < 0) return;
            const T* src = in + (std::size_t(r) * Win::positions + std::size_t(p)) * batch;
            T* dst = o + std::size_t(pixel) * batch;
            for (std::size_t b = 0; b < batch; ++b) dst[b] += src[b];
        });
    }
    // unpatch(G)′ = patches(G′)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call("unpatch", "\\operatorname{unpatch}", a[0], s);
    }
};

// features<P>(A): Cout × (P·B) to (Cout·P) × B, and positions<P>, its inverse and
// adjoint. The two matrices share one memory layout, so both print as their operand
// (δ read as Cout × (P·B) is the same δ) and neither moves a value. Both are views
// that reshape: a fused loop reads the operand's buffer with the new row length, and
// where the view needs a buffer of its own (for BLAS or pooling) the executor hands
// it the operand's when nothing else reads that, copying only otherwise.
template <dim P, bool ToFeatures>
struct relayout_op : op_defaults {
    static constexpr std::string_view name = ToFeatures ? "features" : "positions";
    static constexpr bool view = true;     // re-reads its operand, no forward rule of its own
    static constexpr bool reshapes = true; // in memory order, under its own rows and columns
    static constexpr bool materialize_operands = true; // read from a buffer, in place
    template <class A>
    static constexpr static_dims static_shape() {
        if constexpr (ToFeatures) return {detail::times(A::rows, P), detail::divided(A::cols, P)};
        else {
            static_assert(A::rows == dyn || A::rows % P == 0, "typegrad: positions<P>(a): the rows of a are not a multiple of P");
            return {detail::divided(A::rows, P), detail::times(A::cols, P)};
        }
    }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        const std::size_t p = std::size_t(P);
        if constexpr (ToFeatures) {
            out = {in[0].rows * p, in[0].cols / p};
            return in[0].cols % p == 0;
        } else {
            out = {in[0].rows / p, in[0].cols * p};
            return in[0].rows % p == 0;
        }
    }
    // features(A)′ = positions(G), positions(A)′ = features(G)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 1>& a, style) { return a[0]; }
};

template <class Win, node A>
constexpr auto patches(A a) {
    if constexpr (detail::is_zero<A>::value) return a;
    else return make<patches_op<Win>>(a);
}
template <class Win, node G>
constexpr auto unpatch(G g) {
    if constexpr (detail::is_zero<G>::value) return g;
    else return make<unpatch_op<Win>>(g);
}
// features(positions(a)) = a and positions(features(a)) = a: a relabelling undone.
template <dim P, node A>
constexpr auto features(A a) {
    if constexpr (detail::is_zero<A>::value) return a;
    else if constexpr (is_op<A, relayout_op<P, false>>::value && !has_label<A>::value) return operand<0>(a);
    else return make<relayout_op<P, true>>(a);
}
template <dim P, node A>
constexpr auto positions(A a) {
    if constexpr (detail::is_zero<A>::value) return a;
    else if constexpr (is_op<A, relayout_op<P, true>>::value && !has_label<A>::value) return operand<0>(a);
    else return make<relayout_op<P, false>>(a);
}

template <class Win>
template <std::size_t K, class Self, class G>
constexpr auto patches_op<Win>::vjp(Self, G g) { return unpatch<Win>(g); }
template <class Win>
template <std::size_t K, class Self, class G>
constexpr auto unpatch_op<Win>::vjp(Self, G g) { return patches<Win>(g); }
template <dim P, bool ToFeatures>
template <std::size_t K, class Self, class G>
constexpr auto relayout_op<P, ToFeatures>::vjp(Self, G g) {
    if constexpr (ToFeatures) return positions<P>(g);
    else return features<P>(g);
}

// conv2d<Win>(K, b, x): a 2-D convolution (cross-correlation, as in every deep
// learning library) of images x (C·H·W × B) with kernels K (Cout × C·k·k, row o
// holding kernel o channel-major), plus bias b (Cout × 1); the result is the
// (Cout·out_h·out_w) × B feature matrix of the output images.
template <class Win, node Kernel, node Bias, node X>
constexpr auto conv2d(Kernel k, Bias b, X x) {
    return features<Win::positions>(matmul(k, patches<Win>(x)) + b);
}
template <class Win, node Kernel, node X>
constexpr auto conv2d(Kernel k, X x) {
    return features<Win::positions>(matmul(k, patches<Win>(x)));
}

// flatten(x): images to features. In the features × batch layout an image batch
// already is a feature matrix, so flatten is the identity: free, not even a node.
template <node X>
constexpr auto flatten(X x) { return x; }

} // namespace typegrad
