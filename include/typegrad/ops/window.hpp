// SPDX-License-Identifier: MIT
// The geometry of a sliding window (a convolution kernel or a pooling window)
// over a batch of images, static in the type.
//
// Layout, consistent with features × batch: an image batch is a matrix of
// C·H·W rows and one column per example; inside a column the pixels are
// channel-major, then row, then column (row index c·H·W + h·W + w, as NCHW per
// example). An image is therefore already a feature column: flatten is free.
#pragma once

#include <typegrad/expr/node.hpp>

namespace typegrad {

template <dim C, dim H, dim W, dim K, dim Stride = 1, dim Pad = 0>
struct window {
    static_assert(C > 0 && H > 0 && W > 0, "typegrad: window<C, H, W, ...>: channels, height and width must be positive");
    static_assert(K > 0 && Stride > 0 && Pad >= 0, "typegrad: window<..., K, stride, pad>: size and stride must be positive, pad non-negative");
    static_assert(K <= H + 2 * Pad && K <= W + 2 * Pad, "typegrad: window<C, H, W, K, ...>: the window is larger than the padded image");
    static constexpr dim channels = C, height = H, width = W, size = K, stride = Stride, pad = Pad;
    static constexpr dim out_height = (H + 2 * Pad - K) / Stride + 1;
    static constexpr dim out_width = (W + 2 * Pad - K) / Stride + 1;
    static constexpr dim positions = out_height * out_width; // where the window is placed
    static constexpr dim image_rows = C * H * W;             // one image, as a column
    static constexpr dim patch_rows = C * K * K;             // one patch, as a column

    // The image row that patch row r (channel c, kernel row ki, column kj: r = (c·K + ki)·K
    // + kj) reads at position p (p = oh·out_width + ow), or −1 in the zero padding: the
    // one map im2col, col2im and the products that read images in place all follow.
    static constexpr dim pixel(dim r, dim p) {
        const dim c = r / (K * K), ki = r / K % K, kj = r % K;
        const dim ih = p / out_width * Stride + ki - Pad, iw = p % out_width * Stride + kj - Pad;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) return -1;
        return (c * H + ih) * W + iw;
    }
};

// The instantiation of this template in a diagnostic names the op, the rows it
// expects and the rows it was given (dyn = -1).
template <class Op, dim ExpectedRows, dim Rows>
struct window_shape_check {
    static constexpr bool ok = Rows == dyn || Rows == ExpectedRows;
    static_assert(ok, "typegrad: shape mismatch: an image op was given a matrix whose rows are not C·H·W "
                      "(or a patch op, not C·K·K) of its window; the op, the expected rows and the given "
                      "rows are the arguments of window_shape_check");
};

namespace detail {
constexpr dim times(dim a, dim n) { return a == dyn ? dyn : a * n; }
constexpr dim divided(dim a, dim n) { return a == dyn ? dyn : a / n; }
} // namespace detail

} // namespace typegrad
