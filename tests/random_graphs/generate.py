#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Random typegrad expressions, written as doctest sources that check every derived
gradient against central finite differences.

    tests/random_graphs/generate.py            # rewrites graphs_NN.test.cpp
    tests/random_graphs/generate.py --check    # exits 1 if the committed files differ

The output depends only on the seed and this script (Python's random.Random is the
Mersenne Twister, the same on every platform), so the generated sources are
committed and a test checks that this script still reproduces them.

Each graph is a scalar f built top-down from a requested shape: elementwise ops with
numpy broadcasting (a column, a row or a scalar against a matrix, a column against a
row), exp log sqrt square pow sin cos, sigmoid tanh relu softplus, matmul,
transpose, sum mean and their axis forms, softmax log_softmax, the three losses,
literals, and subexpressions used twice (the same node reached along two paths,
including the cancellation pattern (x ⊙ d) / d). log, sqrt, fractional and negative
powers and denominators only receive expressions that are positive by construction
(exp, softplus + 1/10, square + 1, softmax, 2 + sin, positive symbols, ...).

Every candidate graph is evaluated here, in plain Python double arithmetic, before
it is written. A graph is redrawn (and the reason counted) when
  - a value is not finite or exceeds 1e3 in magnitude (conditioning),
  - a relu input lies within 1e-3 of its kink (a difference stencil could cross it),
  - f hardly depends on one of its symbols (max |∂f/∂θ| < 1e-6), or
  - central differences are not reliable: the differences with steps h and 2h
    (h = 1e-5·max(1, |θ|), as in the C++ check) disagree by more than 1e-8 of the
    gradient's scale. Their gap is about 3× the truncation error of the h stencil
    plus its rounding error, so the finite differences the C++ test computes are
    accurate to about 1e-8, a hundred times under its tolerance of 1e-6; or
  - their rounding error could exceed 1e-7 of the gradient's scale. The C++ check
    rounds in its own order of operations, so the noise it sees is not the noise
    seen here and the h/2h gap cannot bound it: it is bounded a priori instead, as
    4 ulps of |f| divided by the step (first found when graph 425, ∂f/∂r ≈ 1.8e-6
    with f ≈ 0.5, passed here and missed the tolerance in C++ by 11%).
For the second-derivative subset the same test is applied to g = Σ V ⊙ ∂f/∂θ, whose
value this script computes in forward mode (dual numbers).

Files 10 and on come from a second random stream (EXTENDED_SEED) that also draws the ops
of issue 11: abs, maximum, minimum, clamp, leaky_relu, elu, gelu, log1p, expm1, the
comparisons (inside where(a ≷ b, u(a), v(b)) or (a ≷ b) ⊙ a, so the compared values also
reach f), max, min, prod and logsumexp (all, per column, per row), rows/cols slices,
concat and reshape; every graph there holds at least one of them. A graph is also redrawn
when an input of a kink (abs, leaky_relu, elu, clamp at its bounds, the operands of
maximum, minimum and the comparisons, the two nearest elements of a max or min, a factor of
a prod) lies within 1e-3 of it. concat and reshape need static extents in C++; where an
operand's type does not know them, it is multiplied by a statically shaped symbol (K ⊙ x).
The first stream is untouched, so graphs_00..09 stay as they were.

Files 20 and 21 come from a third stream (IMAGES_SEED), the image ops of issue 12 amid the
ops of the first stream: conv2d (strided, zero-padded, with or without a bias; kernel, bias
and images may be expressions), max_pool2d and avg_pool2d (stride k or overlapping windows),
flatten (W · flatten(conv or pool), where a network leaves images for features) and
dropout(x, mask), every graph holding at least one. Images are C·H·W × B matrices, one
example per column, channel-major inside it (ops/window.hpp); a shape whose rows some
window's output has can be drawn as a convolution or a pooling of smaller images (at most
24 rows), often through a relu. A dropout mask is bound but not differentiated: its entries
are 0 or 1/(1 − rate), as dropout_mask draws them. A graph is also redrawn when the two
largest entries of a max-pool window lie within 1e-3 (the first one wins a tie, as in the
op); zeros that no step can move (a relu of a negative input, an entry a mask drops) tie
harmlessly and count as one entry. The other streams are untouched, so graphs_00..19 stay
as they were.
"""

import argparse
import difflib
import functools
import math
import os
import random
import sys
from fractions import Fraction

SEED = 20240606
FILES = 10
GRAPHS_PER_FILE = 50
SECOND_ORDER_EVERY = 8  # graph ids divisible by this also check second derivatives
# Files 10 and on: graphs drawn from their own stream with the ops of issue 11 (each
# graph holds at least one), smaller files so that no unit grows in compile time.
EXTENDED_SEED = SEED + 11
EXTENDED_FILES = 10
EXTENDED_GRAPHS_PER_FILE = 32
EXTENDED_SECOND_ORDER_EVERY = 4
# Files 20 and 21: a third stream, the image ops of issue 12 (conv2d, max and average
# pooling, flatten, dropout), each graph holding at least one; kept to small images so
# that the evaluation here and each unit's compile stay short.
IMAGES_SEED = SEED + 12
IMAGES_FILES = 2
IMAGES_GRAPHS_PER_FILE = 24
IMAGES_SECOND_ORDER_EVERY = 2
IMAGES_DEPTHS = [2, 3, 3, 4, 4, 5, 5, 6, 6, 7]
MAX_IMAGE_ROWS = 24  # C·H·W of an image, and the rows of an image op's output
KINK_MARGIN = 1e-3  # abs, maximum, clamp, ... inputs, comparison operands, top-2 gaps of max
DEPTHS = [1, 2, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 8]  # drawn uniformly: deep graphs weighted up, at most 8
FD_RELIABILITY = 1e-8
MAX_MAGNITUDE = 1e3
RELU_MARGIN = 1e-3
MIN_SCALE = 1e-6
ROUNDING_ULPS = 4
FD_ROUNDING = 1e-7

HERE = os.path.dirname(os.path.abspath(__file__))

# --- numbers: floats, or dual numbers for the directional derivative --------------


class Dual:
    """v + d·ε with ε² = 0."""

    __slots__ = ("v", "d")

    def __init__(self, v, d):
        self.v, self.d = v, d

    def __add__(self, o):
        if isinstance(o, Dual):
            return Dual(self.v + o.v, self.d + o.d)
        return Dual(self.v + o, self.d)

    __radd__ = __add__

    def __sub__(self, o):
        if isinstance(o, Dual):
            return Dual(self.v - o.v, self.d - o.d)
        return Dual(self.v - o, self.d)

    def __rsub__(self, o):
        return Dual(o - self.v, -self.d)

    def __mul__(self, o):
        if isinstance(o, Dual):
            return Dual(self.v * o.v, self.d * o.v + self.v * o.d)
        return Dual(self.v * o, self.d * o)

    __rmul__ = __mul__

    def __truediv__(self, o):
        if isinstance(o, Dual):
            return Dual(self.v / o.v, (self.d * o.v - self.v * o.d) / (o.v * o.v))
        return Dual(self.v / o, self.d / o)

    def __rtruediv__(self, o):
        return Dual(o / self.v, -o * self.d / (self.v * self.v))

    def __neg__(self):
        return Dual(-self.v, -self.d)


def val(x):
    return x.v if isinstance(x, Dual) else x


def lift(f, df):
    def g(x):
        if isinstance(x, Dual):
            return Dual(f(x.v), df(x.v) * x.d)
        return f(x)

    return g


def _sigmoid(z):
    return 1.0 / (1.0 + math.exp(-z))


d_exp = lift(math.exp, math.exp)
d_log = lift(math.log, lambda x: 1.0 / x)
d_sqrt = lift(math.sqrt, lambda x: 0.5 / math.sqrt(x))
d_sin = lift(math.sin, math.cos)
d_cos = lift(math.cos, lambda x: -math.sin(x))
d_tanh = lift(math.tanh, lambda x: 1.0 - math.tanh(x) ** 2)
d_sigmoid = lift(_sigmoid, lambda x: _sigmoid(x) * (1.0 - _sigmoid(x)))
d_log1p = lift(math.log1p, lambda x: 1.0 / (1.0 + x))
d_expm1 = lift(math.expm1, math.exp)
GELU_C = math.sqrt(2.0 / math.pi)
GELU_K = 0.044715


def d_gelu(x):
    return 0.5 * x * (1.0 + d_tanh(GELU_C * (x + GELU_K * x * x * x)))


def d_logsumexp(xs):
    top = max(val(t) for t in xs)
    return top + d_log(sum((d_exp(t - top) for t in xs), 0.0))


def d_prod(xs):
    out = 1.0
    for t in xs:
        out = t * out
    return out


def d_pick(xs, largest):
    best = xs[0]
    for t in xs[1:]:
        if (val(t) > val(best)) if largest else (val(t) < val(best)):
            best = t
    return best


def d_pow(x, p):
    if isinstance(x, Dual):
        return Dual(x.v**p, p * x.v ** (p - 1) * x.d)
    return x**p


def d_relu(x):
    return x if val(x) > 0 else 0.0 * x


def d_softplus(x):
    # max(z, 0) + log1p(e^−|z|), as the library computes it
    a = x if val(x) > 0 else -x
    return (x if val(x) > 0 else 0.0 * x) + d_log1p(d_exp(-a))


def d_maxfloor(x, floor):
    return x if val(x) > floor else floor + 0.0 * x


# --- matrices: lists of rows -------------------------------------------------------


def shape_of(m):
    return (len(m), len(m[0]))


def ew1(f, a):
    return [[f(x) for x in row] for row in a]


def ew2(f, a, b):
    (ra, ca), (rb, cb) = shape_of(a), shape_of(b)
    r, c = max(ra, rb), max(ca, cb)
    return [[f(a[i if ra > 1 else 0][j if ca > 1 else 0], b[i if rb > 1 else 0][j if cb > 1 else 0])
             for j in range(c)] for i in range(r)]


def matmul(a, b):
    k = len(b)
    return [[sum((a[i][t] * b[t][j] for t in range(k)), 0.0) for j in range(len(b[0]))] for i in range(len(a))]


def transpose(a):
    return [list(col) for col in zip(*a)]


def total(a):
    return sum((x for row in a for x in row), 0.0)


def col_softmax(z, log):
    r, c = shape_of(z)
    out = [[0.0] * c for _ in range(r)]
    for j in range(c):
        top = max(val(z[i][j]) for i in range(r))
        s = sum((d_exp(z[i][j] - top) for i in range(r)), 0.0)
        for i in range(r):
            out[i][j] = z[i][j] - (d_log(s) + top) if log else d_exp(z[i][j] - top) / s
    return out


# --- images: C·H·W × B matrices, one example per column (include/typegrad/ops/window.hpp) --


class Window:
    """tg::window<C, H, W, k, stride, pad>: a kernel or pooling window over C×H×W images,
    whose pixels sit in a column channel-major, then by row (row c·H·W + h·W + w)."""

    def __init__(self, channels, height, width, size, stride=1, pad=0):
        self.channels, self.height, self.width = channels, height, width
        self.size, self.stride, self.pad = size, stride, pad
        self.out_height = (height + 2 * pad - size) // stride + 1
        self.out_width = (width + 2 * pad - size) // stride + 1
        self.positions = self.out_height * self.out_width
        self.image_rows = channels * height * width
        self.patch_rows = channels * size * size
        self.key = (channels, height, width, size, stride, pad)

    def __eq__(self, other):  # hash-consing: one node per op, window and operands
        return isinstance(other, Window) and self.key == other.key

    def __hash__(self):
        return hash(self.key)

    def cpp(self):
        dims = list(self.key)
        if self.pad == 0:  # the defaults: pad 0, then stride 1
            dims.pop()
            if self.stride == 1:
                dims.pop()
        return "tg::window<" + ", ".join(map(str, dims)) + ">"

    @functools.cached_property
    def conv_taps(self):
        """Per output position, the (patch row, image row) pairs inside the image: the
        padding reads zeros, so it contributes no term."""
        k, w = self.size, self.width
        taps = []
        for oh in range(self.out_height):
            for ow in range(self.out_width):
                here = []
                for c in range(self.channels):
                    for ki in range(k):
                        for kj in range(k):
                            ih, iw = oh * self.stride + ki - self.pad, ow * self.stride + kj - self.pad
                            if 0 <= ih < self.height and 0 <= iw < w:
                                here.append(((c * k + ki) * k + kj, (c * self.height + ih) * w + iw))
                taps.append(here)
        return taps

    @functools.cached_property
    def pool_windows(self):
        """Per output row (channel-major, as the op writes them), the image rows of its window
        in the order the op visits them: by row, then by column."""
        k, w = self.size, self.width
        return [[(c * self.height + oh * self.stride + e // k) * w + ow * self.stride + e % k for e in range(k * k)]
                for c in range(self.channels) for oh in range(self.out_height) for ow in range(self.out_width)]


def image_catalogue():
    """The windows the image ops draw from, by the rows of their output: convolutions
    (with their output channels) and pooling windows (no padding, stride k or overlapping)."""
    convs, pools = {}, {}
    for c in (1, 2):
        for h in range(2, 7):
            for w in range(2, 7):
                if c * h * w > MAX_IMAGE_ROWS:
                    continue
                for k in (2, 3):
                    for stride in (1, 2):
                        for pad in (0, 1):
                            if k > h + 2 * pad or k > w + 2 * pad:
                                continue
                            win = Window(c, h, w, k, stride, pad)
                            for cout in (1, 2, 3):
                                if cout * win.positions <= MAX_IMAGE_ROWS:
                                    convs.setdefault(cout * win.positions, []).append((win, cout))
                    for stride in sorted({k, 1}):
                        if k <= h and k <= w:
                            win = Window(c, h, w, k, stride)
                            if win.channels * win.positions <= MAX_IMAGE_ROWS:
                                pools.setdefault(win.channels * win.positions, []).append(win)
    return convs, pools


CONVS_BY_ROWS, POOLS_BY_ROWS = image_catalogue()
IMAGE_OUTPUT_ROWS = sorted(set(CONVS_BY_ROWS) | set(POOLS_BY_ROWS))


def conv2d(win, kernel, bias, x):
    """features(K · patches(x) + b): output row o·P + p holds channel o at position p."""
    batch = len(x[0])
    out = []
    for o, k_row in enumerate(kernel):
        b_o = bias[o if len(bias) > 1 else 0][0] if bias is not None else 0.0
        for taps in win.conv_taps:
            out.append([sum((k_row[r] * x[pixel][n] for r, pixel in taps), 0.0) + b_o for n in range(batch)])
    return out


def pooled(win, x, fold):
    batch = len(x[0])
    return [[fold([x[row][n] for row in rows]) for n in range(batch)] for rows in win.pool_windows]


# --- graph nodes -------------------------------------------------------------------

UNARY_CPP = {
    "neg": "(-{})", "exp": "tg::exp({})", "log": "tg::log({})", "sqrt": "tg::sqrt({})",
    "square": "tg::square({})", "sin": "tg::sin({})", "cos": "tg::cos({})",
    "sigmoid": "tg::sigmoid({})", "tanh": "tg::tanh({})", "relu": "tg::relu({})",
    "softplus": "tg::softplus({})", "transpose": "tg::transpose({})", "sum": "tg::sum({})",
    "sum0": "tg::sum<0>({})", "sum1": "tg::sum<1>({})", "mean": "tg::mean({})",
    "mean0": "tg::mean<0>({})", "mean1": "tg::mean<1>({})", "softmax": "tg::softmax({})",
    "log_softmax": "tg::log_softmax({})",
    "abs": "tg::abs({})", "log1p": "tg::log1p({})", "expm1": "tg::expm1({})", "elu": "tg::elu({})",
    "gelu": "tg::gelu({})", "max": "tg::max({})", "min": "tg::min({})", "prod": "tg::prod({})",
    "lse": "tg::logsumexp({})", "max0": "tg::max<0>({})", "max1": "tg::max<1>({})", "min0": "tg::min<0>({})",
    "min1": "tg::min<1>({})", "prod0": "tg::prod<0>({})", "prod1": "tg::prod<1>({})",
    "lse0": "tg::logsumexp<0>({})", "lse1": "tg::logsumexp<1>({})",
}
BINARY_CPP = {
    "add": "({} + {})", "sub": "({} - {})", "mul": "({} * {})", "div": "({} / {})",
    "matmul": "tg::matmul({}, {})", "mse": "tg::mse({}, {})",
    "bce": "tg::binary_cross_entropy({}, {})", "ce": "tg::softmax_cross_entropy({}, {})",
    "maximum": "tg::maximum({}, {})", "minimum": "tg::minimum({}, {})",
    "gt": "({} > {})", "lt": "({} < {})", "ge": "({} >= {})", "le": "({} <= {})",
}
FAMILY = {
    "add": "arithmetic", "sub": "arithmetic", "mul": "arithmetic", "div": "arithmetic", "neg": "arithmetic",
    "exp": "functions", "log": "functions", "sqrt": "functions", "square": "functions", "pow": "functions",
    "sin": "functions", "cos": "functions",
    "sigmoid": "activations", "tanh": "activations", "relu": "activations", "softplus": "activations",
    "matmul": "matrices", "transpose": "matrices",
    "sum": "reductions", "sum0": "reductions", "sum1": "reductions",
    "mean": "reductions", "mean0": "reductions", "mean1": "reductions",
    "softmax": "softmax", "log_softmax": "softmax",
    "mse": "losses", "bce": "losses", "ce": "losses",
    "abs": "piecewise", "maximum": "piecewise", "minimum": "piecewise", "clamp": "piecewise",
    "leaky_relu": "piecewise", "elu": "piecewise", "log1p": "log1p", "expm1": "log1p", "gelu": "gelu",
    "gt": "compare", "lt": "compare", "ge": "compare", "le": "compare", "where": "compare",
    "max": "extrema", "min": "extrema", "max0": "extrema", "max1": "extrema", "min0": "extrema", "min1": "extrema",
    "prod": "prod", "prod0": "prod", "prod1": "prod", "lse": "logsumexp", "lse0": "logsumexp", "lse1": "logsumexp",
    "rows": "slice", "cols": "slice", "concat0": "concat", "concat1": "concat", "reshape": "reshape",
    "conv2d": "images", "max_pool2d": "images", "avg_pool2d": "images", "flatten": "images", "dropout": "dropout",
}
NEW_OPS = frozenset(op for op, family in FAMILY.items()
                    if family in ("piecewise", "log1p", "gelu", "compare", "extrema", "prod", "logsumexp", "slice",
                                  "concat", "reshape"))
IMAGE_OPS = frozenset(op for op, family in FAMILY.items() if family in ("images", "dropout"))


class Symbol:
    def __init__(self, name, kind, shape, values, static=None):
        self.name, self.kind, self.shape, self.values, self.static = name, kind, shape, values, static

    def declaration(self):
        name = self.name
        if self.kind == "scalar":
            return f'tg::scalar<"{name}">'
        if self.kind == "col":
            return f'tg::col<"{name}", {self.shape[0]}>' if self.static else f'tg::col<"{name}">'
        if self.kind == "row":
            return f'tg::row<"{name}", {self.shape[1]}>' if self.static else f'tg::row<"{name}">'
        if self.static:
            return f'tg::var<"{name}", {self.shape[0]}, {self.shape[1]}>'
        return f'tg::var<"{name}">'


def static_dims(op, args, shape, param):
    """Which of the node's dimensions the C++ type knows (a 1 always is): concat and
    reshape need static extents, as the library's shape rules do."""
    r, c = shape
    if op == "sym":
        kind, static = param.kind, param.static
        return (r == 1 or static or kind == "row", c == 1 or static or kind == "col")
    if op == "lit" or not args:
        return (True, True)
    if op in ("matmul",):
        return (args[0].static[0], args[1].static[1])
    if op == "transpose":
        return (args[0].static[1], args[0].static[0])
    if op in ("concat0", "concat1"):
        axis = int(op[-1])
        across = 1 - axis
        out = [False, False]
        out[axis] = True
        out[across] = shape[across] == 1 or any(a.static[across] for a in args)
        return tuple(out)
    if op in ("rows", "reshape"):
        return (True, args[0].static[1] or op == "reshape" or c == 1)
    if op == "cols":
        return (args[0].static[0] or r == 1, True)
    if op == "conv2d":  # features<P>(K · patches(x) + b): K's rows and x's columns
        return (args[0].static[0] or r == 1, args[-1].static[1] or c == 1)
    if op in ("max_pool2d", "avg_pool2d"):
        return (True, args[0].static[1] or c == 1)
    out = []
    for d, n in enumerate(shape):
        same = [a.static[d] for a in args if a.shape[d] == n]
        out.append(n == 1 or any(same))
    return tuple(out)


class Node:
    def __init__(self, op, args, shape, param=None):
        self.op, self.args, self.shape, self.param = op, args, shape, param
        self.static = static_dims(op, args, shape, param)
        self.depth = 0 if not args else 1 + max(a.depth for a in args)
        self.symbols = frozenset([param.name]) if op == "sym" else frozenset().union(*(a.symbols for a in args))


def lit_cpp(q):
    return f"tg::lit<{q.numerator}>" if q.denominator == 1 else f"tg::lit<{q.numerator}, {q.denominator}>"


class Graph:
    """One random expression: its nodes (hash-consed, as the C++ types are) and symbols."""

    def __init__(self, rng, extended=False, images=False):
        self.rng = rng
        self.extended = extended  # the ops of issue 11 too
        self.images = images  # the image ops of issue 12 too
        self.nodes = {}  # structural key -> Node, in creation order
        self.symbols = {}  # name -> Symbol
        self.by_shape = {}  # (shape, positive) -> [Node] for reuse

    # -- building ------------------------------------------------------------------

    def make(self, op, args, shape, param=None, positive=False):
        key = (op, param.name if isinstance(param, Symbol) else param, tuple(id(a) for a in args))
        node = self.nodes.get(key)
        if node is None:
            node = Node(op, args, shape, param)
            self.nodes[key] = node
            if op not in ("sym", "lit"):
                self.by_shape.setdefault((shape, False), []).append(node)
                if positive:
                    self.by_shape.setdefault((shape, True), []).append(node)
        return node

    def lit(self, q):
        return self.make("lit", [], (1, 1), Fraction(q))

    def new_symbol(self, shape, domain, force_static=False):
        r, c = shape
        if (r, c) == (1, 1):
            kind, names = "scalar", "stuvk"
        elif c == 1:
            kind, names = "col", "bcde"
        elif r == 1:
            kind, names = "row", "rqgh"
        else:
            kind, names = "var", "ABCDEFGHIJ"
        static = kind == "var" and domain == "any" and self.rng.random() < 0.2
        domain_values = domain.removeprefix("target ")
        if force_static:
            static = kind != "scalar"
            names = "KLMNOPRTUW" if static else names
        if static:
            names = "KLMNOPRTUW" if force_static else "KLMN"
        name = next(n for n in list(names) + [names[0] + str(i) for i in range(2, 20)] if n not in self.symbols)
        rng = self.rng
        if domain_values == "positive":
            values = [[round(rng.uniform(0.5, 2.0), 3) for _ in range(c)] for _ in range(r)]
        elif domain_values == "unit":
            values = [[round(rng.uniform(0.0, 1.0), 3) for _ in range(c)] for _ in range(r)]
        elif domain_values == "distribution":  # columns summing to exactly 1 (dyadic)
            values = [[0.0] * c for _ in range(r)]
            for j in range(c):
                w = [rng.randint(1, 3) for _ in range(r)]
                rest = 16 - sum(w)
                w[rng.randrange(r)] += rest
                for i in range(r):
                    values[i][j] = w[i] / 16
        else:
            values = [[round(rng.uniform(-1.5, 1.5), 3) for _ in range(c)] for _ in range(r)]
        sym = Symbol(name, kind, shape, values, static)
        sym.domain = domain
        self.symbols[name] = sym
        return sym

    def symbol_leaf(self, shape, positive):
        domain = "positive" if positive else "any"
        existing = [s for s in self.symbols.values() if s.shape == shape and s.domain == domain]
        if existing and self.rng.random() < 0.5:
            sym = self.rng.choice(existing)
        else:
            sym = self.new_symbol(shape, domain)
        return self.make("sym", [], shape, sym, positive=positive)

    def mask(self, shape):
        """A dropout mask, bound like a symbol but held fixed: each entry 0 (at the rate) or
        1/(1 − rate), as dropout_mask draws them. It is not differentiated: in training it is
        data, and its zeros then stay exact zeros under the differences."""
        rng = self.rng
        rate = rng.choice([Fraction(1, 2), Fraction(1, 4), Fraction(1, 5)])
        keep = float(1 / (1 - rate))
        r, c = shape
        values = [[0.0 if rng.random() < rate else keep for _ in range(c)] for _ in range(r)]
        name = next(n for n in ["mask"] + [f"mask{i}" for i in range(2, 20)] if n not in self.symbols)
        kind = "scalar" if shape == (1, 1) else "col" if c == 1 else "row" if r == 1 else "var"
        sym = Symbol(name, kind, shape, values)
        sym.domain = "mask"
        self.symbols[name] = sym
        return self.make("sym", [], shape, sym)

    def target(self, shape, domain):
        """The second operand of a loss: labels in (0, 1), distributions, or any values."""
        return self.make("sym", [], shape, self.new_symbol(shape, "target " + domain))

    def reuse(self, shape, positive):
        pool = self.by_shape.get((shape, positive), [])
        return self.rng.choice(pool) if pool else None

    # -- random expressions --------------------------------------------------------

    def gen(self, shape, depth, spine, positive=False):
        rng = self.rng
        if depth <= 0:
            return self.leaf(shape, positive)
        if not spine:
            if rng.random() < 0.3:
                return self.leaf(shape, positive)
            if rng.random() < 0.25:
                node = self.reuse(shape, positive)
                if node is not None and node.depth <= depth:
                    return node
        return self.gen_positive(shape, depth, spine) if positive else self.gen_any(shape, depth, spine)

    def leaf(self, shape, positive):
        return self.symbol_leaf(shape, positive)

    def sub(self, shape, depth, spine, positive=False):
        """A child one level down; `spine` children must reach the full depth."""
        d = depth - 1 if spine else self.rng.randint(0, depth - 1)
        return self.gen(shape, d, spine, positive)

    def broadcast_pair(self, shape):
        """Operand shapes whose broadcast is `shape` (a dimension broadcasts where it is 1)."""
        r, c = shape
        options = [(shape, shape)] * 4
        if r > 1:
            options.append((shape, (1, c)))
        if c > 1:
            options.append((shape, (r, 1)))
        if r > 1 or c > 1:
            options.append((shape, (1, 1)))
        if r > 1 and c > 1:
            options.append(((r, 1), (1, c)))
        a, b = self.rng.choice(options)
        return (a, b) if self.rng.random() < 0.5 else (b, a)

    def elementwise(self, op, shape, depth, spine, positive_b=False):
        rng = self.rng
        sa, sb = self.broadcast_pair(shape)
        if op == "div" and sa != shape and sb == shape and rng.random() < 0.5:
            sa, sb = sb, sa
        spine_a = spine and (sa == shape or rng.random() < 0.5)
        if (sa, sb) != (shape, shape) and sa == (1, 1) and rng.random() < 0.3 and not spine_a and op != "div":
            a = self.lit(rng.choice([Fraction(1, 2), Fraction(2), Fraction(-3, 2), Fraction(3)]))
        else:
            a = self.sub(sa, depth, spine_a)
        if sb == (1, 1) and rng.random() < 0.3 and not positive_b and not (spine and not spine_a):
            b = self.lit(rng.choice([Fraction(1, 3), Fraction(2), Fraction(-1, 2), Fraction(5, 4)]))
        else:
            b = self.sub(sb, depth, spine and not spine_a, positive_b)
        if a.op == "lit" and b.op == "lit":
            b = self.sub(sb, depth, False, positive_b)
        return self.make(op, [a, b], shape)

    def gen_any(self, shape, depth, spine):
        rng = self.rng
        r, c = shape
        choices = ["unary"] * 6 + ["domain"] * 2 + ["binary"] * 6 + ["div"] * 2 + ["matmul"] * 3 + ["transpose"] * 2
        if c == 1:
            choices += ["rowreduce"] * 2
        if r == 1:
            choices += ["colreduce"] * 2
        if (r, c) == (1, 1):
            choices += ["reduce"] * 6 + ["loss"] * 3
        if r > 1:
            choices += ["softmax"] * 2
        if depth >= 2:
            choices += ["cancel", "shared", "shared"]
        if self.images:
            if (r, c) != (1, 1):  # a scalar dropped is a graph that may not depend on it
                choices += ["dropout"] * 2
            if c <= 3:  # a batch of images; one output pixel only now and then
                weight = 1 if (r, c) == (1, 1) else 4
                choices += ["conv"] * weight * (r in CONVS_BY_ROWS) + ["pool"] * weight * (r in POOLS_BY_ROWS)
                if depth >= 3:  # W · flatten(image op(x)) adds two levels over x
                    choices += ["dense"] * 3
            kind = rng.choice(choices)
            node = self.gen_image(kind, shape, depth, spine)
            if node is not None:
                return node
        elif self.extended:
            choices += ["new_unary"] * 5 + ["log1p", "extremum", "extremum", "mask", "mask", "slice", "slice"]
            if c == 1:
                choices += ["new_rowreduce"] * 2
            if r == 1:
                choices += ["new_colreduce"] * 2
            if (r, c) == (1, 1):
                choices += ["new_reduce"] * 6
            if r > 1 or c > 1:
                choices += ["concat", "concat", "reshape"]
            kind = rng.choice(choices)
            node = self.gen_new(kind, shape, depth, spine)
            if node is not None:
                return node
        else:
            kind = rng.choice(choices)
        if kind == "unary":
            op = rng.choice(["neg", "exp", "sin", "cos", "square", "pow3", "sigmoid", "tanh", "relu", "softplus"])
            x = self.sub(shape, depth, spine)
            if op == "pow3":
                return self.make("pow", [x], shape, Fraction(3))
            if op == "exp" and x.op == "exp":
                op = "sin"
            return self.make(op, [x], shape)
        if kind == "domain":
            op = rng.choice(["log", "sqrt", "pow"])
            x = self.sub(shape, depth, spine, positive=True)
            if op == "pow":
                return self.make("pow", [x], shape, rng.choice([Fraction(3, 2), Fraction(-1), Fraction(1, 3), Fraction(-1, 2)]))
            return self.make(op, [x], shape)
        if kind == "binary":
            return self.elementwise(rng.choice(["add", "sub", "mul"]), shape, depth, spine)
        if kind == "div":
            return self.elementwise("div", shape, depth, spine, positive_b=True)
        if kind == "matmul":
            k = rng.choice([1, 2, 2, 3, 3, 4])
            first = rng.random() < 0.5
            return self.make("matmul", [self.sub((r, k), depth, spine and first),
                                        self.sub((k, c), depth, spine and not first)], shape)
        if kind == "transpose":
            return self.make("transpose", [self.sub((c, r), depth, spine)], shape)
        if kind == "rowreduce":
            inner = (r, rng.choice([2, 3]))
            return self.make(rng.choice(["sum1", "mean1"]), [self.sub(inner, depth, spine)], shape)
        if kind == "colreduce":
            inner = (rng.choice([2, 3]), c)
            return self.make(rng.choice(["sum0", "mean0"]), [self.sub(inner, depth, spine)], shape)
        if kind == "reduce":
            inner = self.matrix_shape()
            op = rng.choice(["sum", "sum", "mean", "weighted"])
            if op == "weighted" and depth >= 2:  # Σ w ⊙ x: a weight symbol of x's shape
                x = self.sub(inner, depth - 1, spine)
                w = self.symbol_leaf(inner, False)
                return self.make("sum", [self.make("mul", [w, x], inner)], shape)
            return self.make(op if op != "weighted" else "sum", [self.sub(inner, depth, spine)], shape)
        if kind == "loss":
            inner = self.matrix_shape()
            op = rng.choice(["mse", "bce", "ce"])
            if op == "ce" and inner[0] == 1:
                op = "mse"
            if op == "bce":
                if depth < 2:
                    op = "mse"
                else:
                    squash = rng.choice(["sigmoid", "sigmoid", "softmax"]) if inner[0] > 1 else "sigmoid"
                    a = self.make(squash, [self.sub(inner, depth - 1, spine)], inner)
                    y = self.target(inner, "unit") if rng.random() < 0.7 else self.make(
                        "sigmoid", [self.sub(inner, depth - 1, False)], inner)
                    return self.make("bce", [a, y], shape)
            if op == "ce":
                z = self.sub(inner, depth, spine)
                if rng.random() < 0.7:
                    y = self.target(inner, "distribution")
                else:  # soft labels computed by the graph: softmax columns sum to one
                    y = self.make("softmax", [self.sub(inner, depth, False)], inner)
                return self.make("ce", [z, y], shape)
            a = self.sub(inner, depth, spine)
            y = self.target(inner, "any") if rng.random() < 0.7 else self.sub(inner, depth, False)
            return self.make("mse", [a, y], shape)
        if kind == "softmax":
            return self.make(rng.choice(["softmax", "log_softmax"]), [self.sub(shape, depth, spine)], shape)
        if kind == "shared":  # one node x used twice: x ∘ u(x), or x xᵀ
            if r == c and rng.random() < 0.4:
                k = rng.choice([1, 2, 3])
                x = self.gen((r, k), depth - 2, spine)
                return self.make("matmul", [x, self.make("transpose", [x], (k, r))], shape)
            x = self.gen(shape, depth - 2, spine)
            u = self.make(rng.choice(["sin", "tanh", "sigmoid", "square", "exp", "softplus", "neg"]), [x], shape)
            parts = [x, u] if rng.random() < 0.5 else [u, x]
            return self.make(rng.choice(["add", "sub", "mul"]), parts, shape)
        if kind == "cancel":  # (x ⊙ d) / d or (x / d) ⊙ d: d is one node used twice
            sd = rng.choice([shape, (r, 1) if c > 1 else shape, (1, 1)])
            d = self.gen(sd, rng.randint(0, depth - 2), False, positive=True)
            x = self.gen(shape, depth - 2, spine)
            if rng.random() < 0.5:
                return self.make("div", [self.make("mul", [x, d], shape), d], shape)
            return self.make("mul", [self.make("div", [x, d], shape), d], shape)
        raise AssertionError(kind)

    def gen_new(self, kind, shape, depth, spine):
        """The ops of issue 11; None for the kinds gen_any draws itself."""
        rng = self.rng
        r, c = shape
        if kind in ("mask", "concat", "reshape") and depth < 2:
            kind = "new_unary"  # they add a level under themselves
        if kind == "new_unary":
            op = rng.choice(["abs", "expm1", "leaky_relu", "elu", "gelu", "clamp"])
            x = self.sub(shape, depth, spine)
            if op == "leaky_relu":
                return self.make(op, [x], shape, rng.choice([Fraction(1, 10), Fraction(1, 4), Fraction(-1, 2)]))
            if op == "clamp":
                return self.make(op, [x], shape, rng.choice([(Fraction(-1), Fraction(1)), (Fraction(-1, 2), Fraction(2)),
                                                             (Fraction(0), Fraction(3, 2))]))
            if op == "expm1" and x.op in ("exp", "expm1"):
                op = "gelu"
            return self.make(op, [x], shape)
        if kind == "log1p":
            return self.make("log1p", [self.sub(shape, depth, spine, positive=True)], shape)
        if kind == "extremum":
            return self.elementwise(rng.choice(["maximum", "minimum"]), shape, depth, spine)
        if kind == "mask":  # where(a ≷ b, u(a), v(b)) or (a ≷ b) ⊙ a: the compared values also flow on
            cmp = rng.choice(["gt", "lt", "ge", "le"])
            sa, sb = self.broadcast_pair(shape)
            first = sa == shape or rng.random() < 0.5
            a = self.sub(sa, depth - 1, spine and first)
            if sb == (1, 1) and rng.random() < 0.3 and not (spine and not first):
                b = self.lit(rng.choice([Fraction(1, 2), Fraction(0), Fraction(-1, 4)]))
            else:
                b = self.sub(sb, depth - 1, spine and not first)
            mask = self.make(cmp, [a, b], shape)
            if rng.random() < 0.3:
                return self.make("mul", [mask, a if sa == shape else b if sb == shape else
                                         self.make("sub", [a, b], shape)], shape)

            def branch(x):
                if rng.random() < 0.5:
                    return x
                return self.make(rng.choice(["sin", "tanh", "square", "exp", "neg"]), [x], x.shape)
            return self.make("where", [mask, branch(a), branch(b)], shape)
        if kind in ("new_rowreduce", "new_colreduce", "new_reduce"):
            family = rng.choice(["max", "min", "prod", "lse"])
            if kind == "new_reduce":
                inner = self.matrix_shape()
                op = family
            elif kind == "new_rowreduce":
                inner, op = (r, rng.choice([2, 3])), family + "1"
            else:
                inner, op = (rng.choice([2, 3]), c), family + "0"
            return self.make(op, [self.sub(inner, depth, spine)], shape)
        if kind == "slice":
            axis = rng.choice([0, 1])
            extra = rng.choice([1, 1, 2])
            first = rng.randint(0, extra)
            if axis == 0:
                x = self.sub((r + extra, c), depth, spine)
                return self.make("rows", [x], shape, (first, first + r))
            x = self.sub((r, c + extra), depth, spine)
            return self.make("cols", [x], shape, (first, first + c))
        if kind == "concat":
            axis = 0 if c == 1 or (r > 1 and rng.random() < 0.5) else 1
            n = r if axis == 0 else c
            cut = rng.randint(1, n - 1)
            parts = [cut, n - cut]
            if parts[1] > 1 and rng.random() < 0.3:  # three operands
                cut2 = rng.randint(1, parts[1] - 1)
                parts = [cut, cut2, parts[1] - cut2]
            spine_at = rng.randrange(len(parts))
            args = []
            for i, k in enumerate(parts):
                sk = (k, c) if axis == 0 else (r, k)
                args.append(self.static_along(axis, self.sub(sk, depth - 1, spine and i == spine_at)))
            return self.make("concat" + str(axis), args, shape)
        if kind == "reshape":
            n = r * c
            options = [(a, n // a) for a in range(1, n + 1) if n % a == 0 and (a, n // a) != shape]
            inner = rng.choice(options)
            x = self.sub(inner, depth - 1, spine)
            return self.make("reshape", [self.static_along(None, x)], shape, shape)
        return None

    def gen_image(self, kind, shape, depth, spine, positive=False):
        """The image ops of issue 12; None for the kinds gen_any draws itself. Convolution and
        pooling only where `shape` is an image op's output, C·P rows by a batch of columns;
        `positive` keeps their operands positive (no bias for a convolution then)."""
        rng = self.rng
        r, c = shape
        if kind == "conv":
            win, cout = rng.choice(CONVS_BY_ROWS[r])
            first = rng.random() < 0.7  # mostly the images carry the depth, as in a network
            x = self.image_operand((win.image_rows, c), depth, spine and first, positive)
            kernel = self.sub((cout, win.patch_rows), depth, spine and not first, positive)
            if not positive and rng.random() < 0.7:
                return self.make("conv2d", [kernel, self.sub((cout, 1), depth, False), x], shape, win)
            return self.make("conv2d", [kernel, x], shape, win, positive=positive)
        if kind == "pool":
            win = rng.choice(POOLS_BY_ROWS[r])
            x = self.image_operand((win.image_rows, c), depth, spine, positive)
            return self.make(rng.choice(["max_pool2d", "max_pool2d", "avg_pool2d"]), [x], shape, win, positive=positive)
        if kind == "dense":  # W · flatten(conv or pool): where a network leaves images for features
            rows = rng.choice(IMAGE_OUTPUT_ROWS)
            first = rng.random() < 0.7
            if rows in CONVS_BY_ROWS and rows in POOLS_BY_ROWS:
                image_kind = "conv" if rng.random() < 0.5 else "pool"
            else:
                image_kind = "conv" if rows in CONVS_BY_ROWS else "pool"
            image = self.gen_image(image_kind, (rows, c), depth - 2 if spine and first else rng.randint(1, depth - 2),
                                   spine and first)
            w = self.sub((r, rows), depth, spine and not first)
            return self.make("matmul", [w, self.make("flatten", [image], (rows, c))], shape)
        if kind == "dropout":
            return self.make("dropout", [self.sub(shape, depth, spine), self.mask(shape)], shape)
        return None

    def image_operand(self, shape, depth, spine, positive):
        """The images under a convolution or a pooling, often through a relu, as in a network."""
        if positive or depth < 2 or self.rng.random() < 0.6:
            return self.sub(shape, depth, spine, positive)
        return self.make("relu", [self.sub(shape, depth - 1, spine)], shape)

    def static_along(self, axis, x):
        """x, or K ⊙ x with a statically shaped symbol K where the C++ type of x does not know
        its extent along `axis` (both axes for None): concat and reshape need it."""
        need = (0, 1) if axis is None else (axis,)
        if all(x.static[d] for d in need):
            return x
        k = self.make("sym", [], x.shape, self.new_symbol(x.shape, "any", force_static=True))
        return self.make("mul", [k, x], x.shape)

    def gen_positive(self, shape, depth, spine):
        """An expression positive by construction and bounded away from 0."""
        rng = self.rng
        r, c = shape
        choices = ["exp", "softplus", "square1", "trig", "product", "sum", "sqrt", "pow", "matmul", "sigmoid"]
        if r > 1:
            choices.append("softmax")
        if (r, c) == (1, 1):
            choices.append("reduce")
        if self.images and r in IMAGE_OUTPUT_ROWS and c <= 3:
            choices += ["image conv"] * (r in CONVS_BY_ROWS) + ["image pool"] * (r in POOLS_BY_ROWS)
        kind = rng.choice(choices)
        if depth < 2 and kind in ("softplus", "square1", "trig", "sqrt", "pow", "matmul", "reduce"):
            kind = "exp"
        if kind.startswith("image "):  # a mean, a maximum or a bias-free convolution of positives
            return self.gen_image(kind.removeprefix("image "), shape, depth, spine, positive=True)
        if kind == "exp":
            x = self.sub(shape, depth, spine)
            if x.op == "exp":
                x = self.make("tanh", [x], shape) if depth >= 2 else self.leaf(shape, False)
            return self.make("exp", [x], shape, positive=True)
        if kind == "sigmoid":
            return self.make("sigmoid", [self.sub(shape, depth, spine)], shape, positive=True)
        if kind == "softmax":
            return self.make("softmax", [self.sub(shape, depth, spine)], shape, positive=True)
        if kind in ("softplus", "square1", "trig"):
            inner_op = {"softplus": "softplus", "square1": "square", "trig": rng.choice(["sin", "cos"])}[kind]
            shift = {"softplus": Fraction(1, 10), "square1": rng.choice([Fraction(1), Fraction(1, 2)]),
                     "trig": Fraction(2)}[kind]
            x = self.make(inner_op, [self.sub(shape, depth - 1, spine)], shape)
            parts = [x, self.lit(shift)] if rng.random() < 0.5 else [self.lit(shift), x]
            return self.make("add", parts, shape, positive=True)
        if kind in ("product", "sum"):
            sa, sb = self.broadcast_pair(shape)
            first = sa == shape
            op = rng.choice(["mul", "div"]) if kind == "product" else "add"
            a = self.sub(sa, depth, spine and first, positive=True)
            b = self.sub(sb, depth, spine and not first, positive=True)
            return self.make(op, [a, b], shape, positive=True)
        if kind == "sqrt":
            return self.make("sqrt", [self.sub(shape, depth, spine, positive=True)], shape, positive=True)
        if kind == "pow":
            p = rng.choice([Fraction(3, 2), Fraction(-1), Fraction(1, 3), Fraction(-1, 2), Fraction(3)])
            return self.make("pow", [self.sub(shape, depth, spine, positive=True)], shape, p, positive=True)
        if kind == "matmul":
            k = rng.choice([1, 2, 3])
            first = rng.random() < 0.5
            return self.make("matmul", [self.sub((r, k), depth, spine and first, positive=True),
                                        self.sub((k, c), depth, spine and not first, positive=True)],
                             shape, positive=True)
        if kind == "reduce":
            inner = self.matrix_shape()
            return self.make(rng.choice(["sum", "mean"]), [self.sub(inner, depth, spine, positive=True)],
                             shape, positive=True)
        raise AssertionError(kind)

    def matrix_shape(self):
        rng = self.rng
        if self.images and rng.random() < 0.6:  # an image op's output: C·P rows by a batch of 1 or 2
            return (rng.choice(IMAGE_OUTPUT_ROWS), rng.choice([1, 2]))
        return rng.choice([(2, 2), (2, 3), (3, 2), (3, 3), (3, 1), (1, 3), (2, 4), (4, 2)])

    def root(self, depth):
        while True:
            f = self.gen((1, 1), depth, True)
            if f.depth == depth:
                return f

    # -- evaluation ----------------------------------------------------------------

    def order(self, root):
        seen, out = set(), []

        def visit(n):
            if id(n) in seen:
                return
            seen.add(id(n))
            for a in n.args:
                visit(a)
            out.append(n)

        visit(root)
        return out


class Rejected(Exception):
    pass


def apply(node, a, values, checks, computed):
    op = node.op
    if op == "sym":
        return values[node.param.name]
    if op == "lit":
        return [[float(node.param)]]
    if op in IMAGE_OPS:
        return apply_image(node, a, checks, computed)
    x = a[0]
    if op == "neg":
        return ew1(lambda t: -t, x)
    if op == "exp":
        return ew1(d_exp, x)
    if op == "log":
        return ew1(d_log, x)
    if op == "sqrt":
        return ew1(d_sqrt, x)
    if op == "square":
        return ew1(lambda t: t * t, x)
    if op == "pow":
        p = float(node.param)
        return ew1(lambda t: d_pow(t, p), x)
    if op == "sin":
        return ew1(d_sin, x)
    if op == "cos":
        return ew1(d_cos, x)
    if op == "sigmoid":
        return ew1(d_sigmoid, x)
    if op == "tanh":
        return ew1(d_tanh, x)
    if op == "relu":
        if checks and min(abs(val(t)) for row in x for t in row) < RELU_MARGIN:
            raise Rejected("relu input near its kink")
        return ew1(d_relu, x)
    if op == "softplus":
        return ew1(d_softplus, x)
    if op == "transpose":
        return transpose(x)
    if op == "sum":
        return [[total(x)]]
    if op == "mean":
        r, c = shape_of(x)
        return [[total(x) / (r * c)]]
    if op in ("sum0", "mean0"):
        r, c = shape_of(x)
        s = [[sum((x[i][j] for i in range(r)), 0.0) for j in range(c)]]
        return s if op == "sum0" else ew1(lambda t: t / r, s)
    if op in ("sum1", "mean1"):
        r, c = shape_of(x)
        s = [[sum(row, 0.0)] for row in x]
        return s if op == "sum1" else ew1(lambda t: t / c, s)
    if op == "softmax":
        return col_softmax(x, False)
    if op == "log_softmax":
        return col_softmax(x, True)
    if op in NEW_OPS:
        return apply_new(node, a, checks)
    y = a[1]
    if op == "add":
        return ew2(lambda s, t: s + t, x, y)
    if op == "sub":
        return ew2(lambda s, t: s - t, x, y)
    if op == "mul":
        return ew2(lambda s, t: s * t, x, y)
    if op == "div":
        return ew2(lambda s, t: s / t, x, y)
    if op == "matmul":
        return matmul(x, y)
    m = len(y[0])
    if op == "mse":
        return [[total(ew2(lambda s, t: (s - t) * (s - t), x, y)) / m]]
    if op == "bce":
        terms = ew2(lambda s, t: t * d_maxfloor(d_log(s), -100.0) + (1 - t) * d_maxfloor(d_log1p(-s), -100.0), x, y)
        return [[-total(terms) / m]]
    if op == "ce":
        return [[-total(ew2(lambda s, t: t * s, col_softmax(x, True), y)) / m]]
    raise AssertionError(op)


def near_kink(xs, kink=0.0):
    return any(abs(val(t) - kink) < KINK_MARGIN for row in xs for t in row)


def groups(x, op):
    """The elements a reduction folds together: all, each column (…0) or each row (…1)."""
    r, c = shape_of(x)
    if op.endswith("0"):
        return [[x[i][j] for i in range(r)] for j in range(c)], lambda v: [v]
    if op.endswith("1"):
        return [list(row) for row in x], lambda v: [[t] for t in v]
    return [[t for row in x for t in row]], lambda v: [v]


def apply_new(node, a, checks):
    op = node.op
    x = a[0]
    if op == "abs":
        if checks and near_kink(x):
            raise Rejected("input near a kink")
        return ew1(lambda t: t if val(t) > 0 else -t, x)
    if op == "log1p":
        return ew1(d_log1p, x)
    if op == "expm1":
        return ew1(d_expm1, x)
    if op == "gelu":
        return ew1(d_gelu, x)
    if op in ("leaky_relu", "elu"):
        if checks and near_kink(x):
            raise Rejected("input near a kink")
        slope = float(node.param) if op == "leaky_relu" else None
        return ew1(lambda t: t if val(t) > 0 else (slope * t if op == "leaky_relu" else d_expm1(t)), x)
    if op == "clamp":
        lo, hi = float(node.param[0]), float(node.param[1])
        if checks and (near_kink(x, lo) or near_kink(x, hi)):
            raise Rejected("input near a kink")
        return ew1(lambda t: lo + 0.0 * t if val(t) < lo else hi + 0.0 * t if val(t) > hi else t, x)
    if op in ("maximum", "minimum", "gt", "lt", "ge", "le"):
        y = a[1]
        if checks and near_kink(ew2(lambda s, t: val(s) - val(t), x, y)):
            raise Rejected("operands near a tie")
        if op == "maximum":
            return ew2(lambda s, t: s if val(s) >= val(t) else t, x, y)
        if op == "minimum":
            return ew2(lambda s, t: s if val(s) <= val(t) else t, x, y)
        test = {"gt": lambda s, t: s > t, "lt": lambda s, t: s < t, "ge": lambda s, t: s >= t,
                "le": lambda s, t: s <= t}[op]
        return ew2(lambda s, t: 1.0 if test(val(s), val(t)) else 0.0, x, y)
    if op == "where":
        m, y, z = a
        r, c = node.shape
        pick = lambda m_, i, j: m_[i if len(m_) > 1 else 0][j if len(m_[0]) > 1 else 0]
        return [[pick(y, i, j) if val(pick(m, i, j)) != 0 else pick(z, i, j) for j in range(c)] for i in range(r)]
    if op.rstrip("01") in ("max", "min", "prod", "lse"):
        family = op.rstrip("01")
        parts, shape_back = groups(x, op)
        if checks and family in ("max", "min"):
            for g in parts:
                ranked = sorted(val(t) for t in g)
                if len(ranked) > 1 and min(q - p for p, q in zip(ranked, ranked[1:])) < KINK_MARGIN:
                    raise Rejected("elements near a tie")
        if checks and family == "prod" and near_kink(x):
            raise Rejected("factor near zero")
        fold = {"max": lambda g: d_pick(g, True), "min": lambda g: d_pick(g, False), "prod": d_prod,
                "lse": d_logsumexp}[family]
        return shape_back([fold(g) for g in parts])
    if op == "rows":
        first, last = node.param
        return [list(row) for row in x[first:last]]
    if op == "cols":
        first, last = node.param
        return [list(row[first:last]) for row in x]
    if op == "concat0":
        return [list(row) for part in a for row in part]
    if op == "concat1":
        return [[t for part in a for t in part[i]] for i in range(len(x))]
    if op == "reshape":
        flat = [t for row in x for t in row]
        r, c = node.param
        return [flat[i * c:(i + 1) * c] for i in range(r)]
    raise AssertionError(op)


def dead_zeros(node, computed):
    """Which entries of node's value are zeros that no small change of a symbol moves: relu of
    a negative input (the relu margin keeps it negative) and entries a dropout mask zeroes."""
    r, c = node.shape
    if node.op == "relu":
        z = computed[id(node.args[0])]
        return [[val(z[i][j]) < 0 for j in range(c)] for i in range(r)]
    if node.op == "dropout":
        inner, mask = dead_zeros(node.args[0], computed), computed[id(node.args[1])]
        return [[mask[i][j] == 0 or inner[i][j] for j in range(c)] for i in range(r)]
    return [[False] * c for _ in range(r)]


def apply_image(node, a, checks, computed):
    op, win = node.op, node.param
    if op == "conv2d":
        return conv2d(win, a[0], a[1] if len(a) == 3 else None, a[-1])
    if op == "avg_pool2d":
        scale = 1.0 / (win.size * win.size)
        return pooled(win, a[0], lambda entries: sum((scale * t for t in entries), 0.0))
    if op == "max_pool2d":
        if checks:
            # The two largest entries of a window within the margin would let a difference step
            # change which one wins; zeros that cannot move tie harmlessly (each gives 0 and
            # passes no gradient on), so they count as one entry.
            dead = dead_zeros(node.args[0], computed)
            x = a[0]
            for rows in win.pool_windows:
                for n in range(len(x[0])):
                    live = [val(x[row][n]) for row in rows if not dead[row][n]]
                    ranked = sorted(live + [0.0] * (len(live) < len(rows)))
                    if len(ranked) > 1 and ranked[-1] - ranked[-2] < KINK_MARGIN:
                        raise Rejected("max-pool window near a tie")
        return pooled(win, a[0], lambda entries: d_pick(entries, True))  # the first maximum wins ties
    if op == "flatten":
        return a[0]
    if op == "dropout":
        return ew2(lambda s, t: s * t, a[0], a[1])
    raise AssertionError(op)


def evaluate(order, values, base=None, dirty=None, checks=False):
    """Values of every node; with `base`, only nodes depending on a `dirty` symbol are recomputed."""
    out = {}
    for n in order:
        if base is not None and not (n.symbols & dirty):
            out[id(n)] = base[id(n)]
            continue
        v = apply(n, [out[id(a)] for a in n.args], values, checks, out)
        if checks:
            for row in v:
                for t in row:
                    t = val(t)
                    if not math.isfinite(t) or abs(t) > MAX_MAGNITUDE:
                        raise Rejected("value out of range")
        out[id(n)] = v
    return out


def rounding_reliable(magnitude, scale):
    """Whether a central difference of a value of this magnitude rounds well under the
    tolerance: a few ulps of the value over the smallest step (1e-5)."""
    return ROUNDING_ULPS * 2.0 ** -52 * magnitude / 1e-5 <= FD_ROUNDING * scale


def fd_reliability(order, root, values, names, base, value_of):
    """Checks that central differences of value_of(root) are reliable for every symbol."""
    for name in names:
        theta = values[name]
        fd1, fd2 = [], []
        for i, row in enumerate(theta):
            for j, keep in enumerate(row):
                h = 1e-5 * max(1.0, abs(keep))
                est = []
                for step in (h, 2 * h):
                    vals = dict(values)
                    for sign in (1, -1):
                        m = [list(r) for r in theta]
                        m[i][j] = keep + sign * step
                        vals[name] = m
                        est.append(value_of(evaluate(order, vals, base, {name})[id(root)][0][0]))
                fd1.append((est[0] - est[1]) / (2 * h))
                fd2.append((est[2] - est[3]) / (4 * h))
        scale = max(abs(t) for t in fd1)
        if scale < MIN_SCALE:
            raise Rejected("f hardly depends on a symbol")
        if max(abs(p - q) for p, q in zip(fd1, fd2)) > FD_RELIABILITY * scale:
            raise Rejected("finite differences unreliable")
        if not rounding_reliable(abs(value_of(base[id(root)][0][0])), scale):
            raise Rejected("finite differences round too coarsely")


# --- C++ --------------------------------------------------------------------------


def cpp_matrix(m):
    # repr is the shortest decimal that reads back as the same double, in C++ too
    return "{" + ", ".join("{" + ", ".join(repr(float(t)) for t in row) + "}" for row in m) + "}"


class Emitted:
    def __init__(self, root, order):
        uses = {}
        for n in order:
            for a in n.args:
                uses[id(a)] = uses.get(id(a), 0) + 1
        self.named = {}
        self.lines = []
        self.order = order
        counter = 0
        for n in order:
            if n.op in ("sym", "lit") or n is root or uses.get(id(n), 0) < 2:
                continue
            counter += 1
            name = f"e{counter}"
            self.lines.append(f"constexpr auto {name} = {self.text(n)};")
            self.named[id(n)] = name
        self.f = self.text(root, top=True)
        self.reused = counter

    def text(self, n, top=False):
        if not top and id(n) in self.named:
            return self.named[id(n)]
        if n.op == "sym":
            return n.param.name
        if n.op == "lit":
            return lit_cpp(n.param)
        args = [self.text(a) for a in n.args]
        if n.op == "pow":
            return f"tg::pow({args[0]}, {lit_cpp(n.param)})"
        if n.op == "leaky_relu":
            return f"tg::leaky_relu({args[0]}, {lit_cpp(n.param)})"
        if n.op == "clamp":
            return f"tg::clamp({args[0]}, {lit_cpp(n.param[0])}, {lit_cpp(n.param[1])})"
        if n.op in ("rows", "cols"):
            return f"tg::{n.op}<{n.param[0]}, {n.param[1]}>({args[0]})"
        if n.op in ("concat0", "concat1"):
            return f"tg::concat<{n.op[-1]}>({', '.join(args)})"
        if n.op == "reshape":
            return f"tg::reshape<{n.param[0]}, {n.param[1]}>({args[0]})"
        if n.op == "where":
            return f"tg::where({args[0]}, {args[1]}, {args[2]})"
        if n.op == "conv2d":
            return f"tg::conv2d<{n.param.cpp()}>({', '.join(args)})"
        if n.op in ("max_pool2d", "avg_pool2d"):
            win = n.param
            dims = [win.channels, win.height, win.width, win.size] + ([win.stride] if win.stride != win.size else [])
            return f"tg::{n.op}<{', '.join(map(str, dims))}>({args[0]})"
        if n.op == "flatten":
            return f"tg::flatten({args[0]})"
        if n.op == "dropout":
            return f"tg::dropout({args[0]}, {args[1]})"
        if n.op in UNARY_CPP:
            return UNARY_CPP[n.op].format(*args)
        return BINARY_CPP[n.op].format(*args)


def make_graph(rng, depth, second, extended=False, images=False):
    """Draws graphs until one passes the numerical checks; returns it with the rejection reasons."""
    reasons = {}
    while True:
        g = Graph(rng, extended, images)
        root = g.root(depth)
        order = g.order(root)
        if extended and not any(n.op in NEW_OPS for n in order):
            reasons["none of the new ops"] = reasons.get("none of the new ops", 0) + 1
            continue
        if images and not any(n.op in IMAGE_OPS for n in order):
            reasons["none of the image ops"] = reasons.get("none of the image ops", 0) + 1
            continue
        names = sorted(root.symbols, key=lambda s: list(g.symbols).index(s))
        wrt = [name for name in names if g.symbols[name].domain != "mask"]
        values = {name: g.symbols[name].values for name in names}
        try:
            if len(names) > 7:
                raise Rejected("more than 7 symbols")
            base = evaluate(order, values, checks=True)
            fd_reliability(order, root, values, wrt, base, lambda t: t)
            hvp = None
            if second:
                theta = rng.choice(wrt)
                tr, tc = g.symbols[theta].shape
                direction = [[round(rng.uniform(-1, 1), 3) for _ in range(tc)] for _ in range(tr)]
                dual_values = dict(values)
                dual_values[theta] = [[Dual(values[theta][i][j], direction[i][j]) for j in range(tc)] for i in range(tr)]

                dual_base = evaluate(order, dual_values, checks=True)
                fd_reliability_dual(order, root, values, dual_values, wrt, theta, direction, dual_base)
                hvp = (theta, direction)
            return g, root, order, names, wrt, hvp, reasons
        except (Rejected, ZeroDivisionError, OverflowError, ValueError) as e:
            key = str(e) if isinstance(e, Rejected) else "value out of range"
            reasons[key] = reasons.get(key, 0) + 1


def fd_reliability_dual(order, root, values, dual_values, names, theta, direction, dual_base):
    """The finite-difference test for g = Σ V ⊙ ∂f/∂θ, evaluated as the ε-part of f."""
    for name in names:
        m0 = values[name]
        fd1, fd2 = [], []
        for i, row in enumerate(m0):
            for j, keep in enumerate(row):
                h = 1e-5 * max(1.0, abs(keep))
                est = []
                for step in (h, 2 * h):
                    for sign in (1, -1):
                        vals = dict(dual_values)
                        m = [list(r) for r in dual_values[name]]
                        if name == theta:
                            m[i][j] = Dual(keep + sign * step, direction[i][j])
                        else:
                            m[i][j] = keep + sign * step
                        vals[name] = m
                        est.append(evaluate(order, vals, dual_base, {name})[id(root)][0][0].d)
                fd1.append((est[0] - est[1]) / (2 * h))
                fd2.append((est[2] - est[3]) / (4 * h))
        scale = max(abs(t) for t in fd1)
        if scale < MIN_SCALE:
            raise Rejected("second order: g hardly depends on a symbol")
        if max(abs(p - q) for p, q in zip(fd1, fd2)) > FD_RELIABILITY * scale:
            raise Rejected("second order: finite differences unreliable")
        if not rounding_reliable(abs(dual_base[id(root)][0][0].d), scale):
            raise Rejected("second order: finite differences round too coarsely")


def emit_graph(gid, g, root, order, names, wrt, hvp):
    """The C++ of one graph: one test case, one program for f's gradient and, for the
    second-order subset, g's. Every symbol in `names` is bound; the gradients are those
    by `wrt` (all but dropout masks)."""
    e = Emitted(root, order)
    ops = sum(1 for n in order if n.op not in ("sym", "lit"))
    decl = [f"constexpr auto {n} = {g.symbols[n].declaration()};" for n in names]
    decl += e.lines + [f"constexpr auto f = {e.f};"]
    values = [f"xt::xtensor<double, 2> v{n} = {cpp_matrix(g.symbols[n].values)};" for n in names]
    binds = [f"{n} = v{n}" for n in names]
    syms = ", ".join(wrt)
    tensors = ", ".join(f"v{n}" for n in wrt)
    text = " ".join(e.lines + [f"f = {e.f};"]).replace("constexpr auto ", "")
    checks = [f'rg::first_derivatives({gid}, {ops}, "{text}", f, std::tuple{{{syms}}}, std::tie({tensors}))']
    if hvp:
        theta, direction = hvp
        sym = g.symbols[theta]
        decl.append(f"constexpr auto V = {Symbol('V', sym.kind, sym.shape, None, sym.static).declaration()};"
                    f" // g = Σ V ⊙ ∂f/∂{theta}")
        values.append(f"xt::xtensor<double, 2> vV = {cpp_matrix(direction)};")
        binds.append("V = vV")
        checks.append(f'rg::second_derivatives({gid}, "g = sum(grad(f, {theta})[{theta}] * V)", '
                      f"f, {theta}, V, std::tuple{{{syms}, V}}, std::tie({tensors}, vV))")
    return {"title": f"random graph {gid}: depth {root.depth}, {ops} ops", "decl": decl, "values": values,
            "binds": binds, "checks": checks, "text": text, "ops": ops, "reused": e.reused,
            "opnames": [n.op for n in order if n.op not in ("sym", "lit")]}


def emit_case(p):
    out = [f'TEST_CASE("{p["title"]}") {{']
    out += ["    " + line for line in p["decl"] + p["values"]]
    out.append("    auto bound = tg::values(" + ", ".join(p["binds"]) + ");")
    out.append("    rg::check(bound,\n              " + ",\n              ".join(p["checks"]) + ");")
    out.append("}")
    return "\n".join(out)


STREAM_NOTES = {
    EXTENDED_SEED: "\n// These graphs come from their own random stream and each holds at least one op of issue 11\n"
                   "// (piecewise, comparisons and where, extrema, prod, logsumexp, slices, concat, reshape).",
    IMAGES_SEED: "\n// These graphs come from their own random stream and each holds at least one op of issue 12\n"
                 "// (conv2d, max_pool2d, avg_pool2d, flatten, dropout), amid the ops of graphs 0 to 499.",
}
STREAM_INCLUDES = {  # the image ops are not in typegrad.hpp
    IMAGES_SEED: "#include <typegrad/ops/conv.hpp>\n"
                 "#include <typegrad/ops/dropout.hpp>\n"
                 "#include <typegrad/ops/pool.hpp>\n",
}


def header(first, last, every, seed):
    new = STREAM_NOTES.get(seed, "")
    return f"""// SPDX-License-Identifier: MIT
// Generated by tests/random_graphs/generate.py (seed {seed}); do not edit.
// Random graphs {first} to {last}: each derived gradient against central differences for
// every symbol f depends on; graphs whose number is a multiple of {every} also check
// second derivatives, g = Σ V ⊙ ∂f/∂θ differentiated again. Tolerance and reasoning:
// tests/random_graphs/check.hpp.{new}
#include <random_graphs/check.hpp>
{STREAM_INCLUDES.get(seed, "")}
namespace tg = typegrad;
namespace rg = typegrad::random_graphs;
"""


def generate():
    stats = {"graphs": 0, "ops": 0, "second": 0, "reused": 0, "depth": {}, "ops_by_name": {}, "rejected": {},
             "broadcast": 0, "second_ops": set()}
    files = []
    seen = set()
    gid = 0
    batches = [(SEED, FILES, GRAPHS_PER_FILE, SECOND_ORDER_EVERY, DEPTHS),
               (EXTENDED_SEED, EXTENDED_FILES, EXTENDED_GRAPHS_PER_FILE, EXTENDED_SECOND_ORDER_EVERY, DEPTHS),
               (IMAGES_SEED, IMAGES_FILES, IMAGES_GRAPHS_PER_FILE, IMAGES_SECOND_ORDER_EVERY, IMAGES_DEPTHS)]
    for seed, nfiles, per_file, every, depths in batches:
        rng = random.Random(seed)
        for _ in range(nfiles):
            fi = len(files)
            first = gid
            parts = []
            for _ in range(per_file):
                second = gid % every == 0
                depth = rng.choice(depths)
                while True:
                    g, root, order, names, wrt, hvp, reasons = make_graph(rng, depth, second, seed == EXTENDED_SEED,
                                                                          seed == IMAGES_SEED)
                    for k, v in reasons.items():
                        stats["rejected"][k] = stats["rejected"].get(k, 0) + v
                    part = emit_graph(gid, g, root, order, names, wrt, hvp)
                    key = part["text"]
                    if key not in seen:
                        break
                    stats["rejected"]["duplicate"] = stats["rejected"].get("duplicate", 0) + 1
                seen.add(key)
                parts.append(part)
                stats["graphs"] += 1
                stats["ops"] += part["ops"]
                stats["second"] += bool(hvp)
                if hvp:
                    stats["second_ops"] |= set(part["opnames"])
                stats["reused"] += part["reused"] > 0
                stats["depth"][root.depth] = stats["depth"].get(root.depth, 0) + 1
                for op in part["opnames"]:
                    stats["ops_by_name"][op] = stats["ops_by_name"].get(op, 0) + 1
                stats["broadcast"] += any(n.op in ("add", "sub", "mul", "div") and
                                          any(a.shape != n.shape for a in n.args) for n in order)
                gid += 1
            bodies = [emit_case(p) for p in parts]
            files.append((f"graphs_{fi:02d}.test.cpp", header(first, gid - 1, every, seed) + "\n" +
                          "\n\n".join(bodies) + "\n"))
    return files, stats


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true", help="compare with the files on disk instead of writing")
    parser.add_argument("--out", default=HERE, help="output folder (default: this script's)")
    args = parser.parse_args()
    files, stats = generate()
    if args.check:
        stale = []
        for name, text in files:
            path = os.path.join(args.out, name)
            old = open(path, encoding="utf-8").read() if os.path.exists(path) else ""
            if old != text:
                stale.append(name)
                sys.stdout.writelines(list(difflib.unified_diff(old.splitlines(True), text.splitlines(True),
                                                                 name + " (committed)", name + " (generated)"))[:40])
        if stale:
            print(f"generate.py --check: {len(stale)} file(s) differ from what the generator writes: {stale}")
            return 1
        print(f"generate.py --check: {len(files)} files reproduced")
        return 0
    for name, text in files:
        with open(os.path.join(args.out, name), "w", encoding="utf-8") as f:
            f.write(text)
    families = sorted({FAMILY[op] for op in stats["ops_by_name"]})
    print(f"graphs={stats['graphs']} ops={stats['ops']} second_order={stats['second']} "
          f"with_reused_subexpression={stats['reused']} with_broadcast={stats['broadcast']}", file=sys.stderr)
    print(f"depths={dict(sorted(stats['depth'].items()))}", file=sys.stderr)
    print(f"families={families}", file=sys.stderr)
    print(f"ops_by_name={dict(sorted(stats['ops_by_name'].items()))}", file=sys.stderr)
    print(f"rejected={stats['rejected']}", file=sys.stderr)
    missing = sorted((NEW_OPS | IMAGE_OPS) - set(stats["ops_by_name"]))
    missing_second = sorted((NEW_OPS | IMAGE_OPS) - stats["second_ops"])
    print(f"new ops never drawn={missing} never in a second-order graph={missing_second}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
