// SPDX-License-Identifier: MIT
// typegrad::gradcheck::check: a typegrad MLP gradient, the manual reference MLP and
// central finite differences on the same network and data.
//
// Shape legend (as in src/reference/mlp.cpp):
//   m         batch size, opts.batch
//   n[l]      opts.layers[l]; n[0] inputs, n[L] outputs, L = depth
//   x         n[0] × m      inputs, U(−1, 1)
//   y         n[L] × m      targets: {0, 1} for sigmoid_bce, one-hot columns for softmax_ce
//   W[l]      n[l+1] × n[l] reference::random_params (Xavier-uniform)
//   b[l]      n[l+1] × 1    U(−0.25, 0.25), so that the bias paths carry nonzero values
#include <typegrad/gradcheck.hpp>

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <utility>

#include <typegrad/exec/gemm.hpp>

#include "comparison.hpp"

namespace typegrad::gradcheck {

namespace {

using detail::random_source;

template <class T>
using matrix = xt::xtensor<T, 2>;
template <class T>
using params = reference::mlp_params<T>;

// ---- tolerances ------------------------------------------------------------------------
// On the metric of difference (gradcheck.hpp): the largest difference over a tensor,
// relative to the tensor's largest analytic entry S.
//
// double, typegrad vs manual: the two evaluate the same formulas in different orders
// (where 1/m is applied, how bias gradients are summed, fused versus separate loops), so
// they differ by rounding only: a few dozen roundings of u = 2^−53 ≈ 1.1e-16 relative to
// S, i.e. ~1e-14 (observed ≤ 4e-15 over 360 random architectures); 1e-10 is the issue's
// bound and leaves a wide margin.
// double, either vs finite differences: the fourth-order stencil below is accurate to
// ~1e-11 absolute for losses of order 1 (observed ≤ 1e-7 relative to S for widths ≤ 64,
// ≤ 3.3e-7 for widths ≤ 300 and depth 6, where S is smallest); 1e-6 is the bound.
//
// float: each gradient entry is a chain of roundings of u = ε_float / 2 = 2^−24 ≈ 6e-8,
// weighted by the size of the terms relative to S: about 10 elementwise operations per
// layer (≤ 60 for depth 6) and dot products over the fan-in or the batch, whose error
// grows like √n · u (32 u for n = 1024). That is ~100 u = 50 ε_float; 2^8 ε_float ≈ 3e-5
// leaves a factor 5 above it (observed ≤ 15 ε_float over 380 architectures). The same bound
// serves for typegrad vs manual (both float) and for either vs finite differences (in
// double, whose own error, ≲ 3e-7, is a few ε_float at most). A wrong formula gives
// differences of order 1.
constexpr double float_eps = std::numeric_limits<float>::epsilon(); // 2^−23

network make_network(const options& o) {
    network p{reference::random_params<double>(o.layers, o.seed), {}, {}};
    random_source rng(o.seed ^ 0x6a09e667f3bcc909u); // a stream apart from the weights'
    for (auto& b : p.theta.b)
        for (auto& v : b)
            v = rng.uniform(-0.25, 0.25);
    const std::size_t n0 = o.layers.front(), nL = o.layers.back(), m = o.batch;
    p.x = xt::zeros<double>({n0, m});
    for (auto& v : p.x)
        v = rng.uniform(-1, 1);
    p.y = xt::zeros<double>({nL, m});
    if (o.out == head::sigmoid_bce) {
        for (auto& v : p.y)
            v = rng.uniform(0, 1) < 0.5 ? 0.0 : 1.0;
    } else {
        for (std::size_t j = 0; j < m; ++j)
            p.y(rng.below(nL), j) = 1.0; // one-hot
    }
    return p;
}

template <class To, class From>
params<To> cast(const params<From>& p) {
    params<To> q;
    for (const auto& W : p.W)
        q.W.push_back(xt::cast<To>(W));
    for (const auto& b : p.b)
        q.b.push_back(xt::cast<To>(b));
    return q;
}

// ---- relu kinks --------------------------------------------------------------------------
// A relu network's loss is smooth in θ only while every hidden pre-activation keeps its
// sign. A central difference whose stencil θ ± 2h flips one does not measure the
// derivative (its error is a sizeable fraction of the jump in slope), so such entries are
// detected and left out, and the next entry of the sample is taken instead. The pattern
// is recomputed here with the reference's formulas z = W a + b through blas::gemm: it is
// only a detector; the loss values come from reference::mlp<double>::loss.
class relu_pattern {
  public:
    relu_pattern(const std::vector<std::size_t>& sizes, std::size_t m) {
        for (std::size_t l = 1; l + 1 < sizes.size(); ++l)
            z_.push_back(xt::zeros<double>({sizes[l], m}));
    }

    // out[k] = 1 where the k-th hidden pre-activation (layers in order, row-major) is > 0.
    void compute(const params<double>& theta, const matrix<double>& x,
                 std::vector<unsigned char>& out) {
        out.clear();
        const matrix<double>* a = &x;
        for (std::size_t l = 0; l < z_.size(); ++l) {
            auto& z = z_[l];
            // z = W a
            blas::gemm(blas::transpose::no, blas::transpose::no, 1.0, theta.W[l], *a, 0.0, z);
            const std::size_t rows = z.shape(0), m = z.shape(1);
            for (std::size_t i = 0; i < rows; ++i)
                for (std::size_t j = 0; j < m; ++j) {
                    double& v = z.data()[i * m + j];
                    v += theta.b[l].data()[i]; // + b
                    out.push_back(v > 0 ? 1 : 0);
                    v = std::max(v, 0.0); // a = relu(z)
                }
            a = &z;
        }
    }

  private:
    std::vector<matrix<double>> z_;
};

// ---- finite differences ------------------------------------------------------------------
// Fourth-order central differences of the reference's loss in double:
//   ∂J/∂θ ≈ (−J(θ + 2h) + 8 J(θ + h) − 8 J(θ − h) + J(θ − 2h)) / 12h,  h = step · max(1, |θ|).
// The error is truncation h⁴ |J⁽⁵⁾| / 30 plus rounding ≈ 1.5 δ / h, where δ is the rounding
// noise of a computed J: not ε |J| but the accumulated rounding of the whole forward pass,
// measured at ~1e-14 for J ≈ 40 (64 BCE outputs). The plain two-point difference, with
// error h² |J‴| / 6 + δ / h, cannot go below ~1e-9 there, which is 1e-6 of the
// first-layer gradients of a deep sigmoid network (≈ 1e-3); the fourth-order stencil with
// step 5e-3 gets ~1e-11 (its truncation, 2e-11 |J⁽⁵⁾|, grows past the rounding above 1e-2).
// relu: a stencil that crosses a kink is left out (see relu_pattern), and the chance of a
// crossing grows with h, so relu networks use step 3e-4 (rounding ~5e-11): fewer entries
// are left out for a little less accuracy.
constexpr double smooth_step = 5e-3;
constexpr double relu_step = 3e-4;

class finite_differences {
  public:
    finite_differences(const options& o, params<double> theta, const matrix<double>& x,
                       const matrix<double>& y)
        : net_(o.layers, o.hidden, o.out), theta_(std::move(theta)), x_(x), y_(y),
          step_(o.hidden == activation::relu ? relu_step : smooth_step) {
        if (o.hidden == activation::relu && o.layers.size() > 2) {
            pattern_.emplace_back(o.layers, o.batch);
            pattern_.front().compute(theta_, x_, base_);
        }
    }

    // ∂J/∂θ at entry i of W[l] (weight) or b[l]; false when the stencil crosses a kink.
    bool derivative(bool weight, std::size_t l, std::size_t i, double& out) {
        double& t = (weight ? theta_.W[l] : theta_.b[l]).data()[i];
        const double keep = t;
        const double h = step_ * std::max(1.0, std::abs(keep));
        bool smooth = true;
        const auto J = [&](double offset) { // J(θ + offset), and whether the relu pattern held
            t = keep + offset;
            const double v = net_.loss(theta_, x_, y_);
            smooth = smooth && same_pattern();
            return v;
        };
        out = (-J(2 * h) + 8 * J(h) - 8 * J(-h) + J(-2 * h)) / (12 * h);
        t = keep;
        return smooth;
    }

    double step() const { return step_; }

  private:
    bool same_pattern() {
        if (pattern_.empty())
            return true;
        pattern_.front().compute(theta_, x_, probe_);
        return probe_ == base_;
    }

    reference::mlp<double> net_;
    params<double> theta_;
    const matrix<double>& x_;
    const matrix<double>& y_;
    std::vector<relu_pattern> pattern_; // empty unless the hidden layers are relu
    std::vector<unsigned char> base_, probe_;
    double step_;
};

template <class T>
report compare(const options& o, const network& p, gradient_fn<T> typegrad) {
    report r;
    r.opts = o;
    r.tol = tolerances_for(o.type);

    // The network in T; for float, the double network is made of the float-rounded
    // numbers, so that only the arithmetic differs between the three.
    const params<T> theta = cast<T>(p.theta);
    const matrix<T> x = xt::cast<T>(p.x), y = xt::cast<T>(p.y);

    params<T> g_tg, g_man;
    r.loss_typegrad = double(typegrad(theta, x, y, g_tg));
    if (!g_tg.W.empty())
        detail::perturb(g_tg.W[0], o.perturb);
    reference::mlp<T> manual(o.layers, o.hidden, o.out);
    r.loss_manual = double(manual.gradient(theta, x, y, g_man));

    const matrix<double> x_d = xt::cast<double>(x), y_d = xt::cast<double>(y);
    finite_differences fd(o, cast<double>(theta), x_d, y_d);
    r.fd_step = fd.step();

    const std::size_t depth = o.layers.size() - 1;
    for (std::size_t l = 0; l < depth; ++l)
        for (bool weight : {true, false}) {
            // Built by appending: GCC 12 warns falsely (-Wrestrict) on "fc" + std::to_string(..).
            std::string name = "fc";
            name += std::to_string(l + 1);
            name += weight ? ".W" : ".b";
            r.parameters.push_back(detail::compare_tensor(
                std::move(name), weight ? g_tg.W[l] : g_tg.b[l], weight ? &g_man.W[l] : &g_man.b[l],
                o.fd_samples, o.seed + 2 * l + (weight ? 0 : 1),
                [&](std::size_t i, double& d) { return fd.derivative(weight, l, i, d); }));
        }
    return r;
}

std::string shape_text(const std::vector<std::size_t>& sizes) {
    std::string s;
    for (auto n : sizes)
        s += (s.empty() ? "" : ",") + std::to_string(n);
    return s;
}

void validate(const options& o) {
    const std::string where = "typegrad::gradcheck::run: ";
    if (o.layers.size() < 2)
        throw std::invalid_argument(where + "layers (" + shape_text(o.layers) +
                                    ") must list at least 2 sizes: inputs and outputs");
    if (o.layers.size() > max_depth + 1)
        throw std::invalid_argument(where + "layers (" + shape_text(o.layers) + ") make " +
                                    std::to_string(o.layers.size() - 1) +
                                    " weight layers; at most " + std::to_string(max_depth) +
                                    " are supported");
    for (auto n : o.layers)
        if (n == 0)
            throw std::invalid_argument(where + "layers (" + shape_text(o.layers) +
                                        ") contain a 0");
    if (o.batch == 0)
        throw std::invalid_argument(where + "batch must be at least 1");
    // A guard against sizes that cannot be meant: no matrix over 2^25 entries (256 MB).
    constexpr std::size_t largest = std::size_t{1} << 25;
    for (std::size_t l = 0; l < o.layers.size(); ++l) {
        const bool big_activation = o.layers[l] > largest / o.batch;
        const bool big_weight = l + 1 < o.layers.size() && o.layers[l] > largest / o.layers[l + 1];
        if (big_activation || big_weight)
            throw std::invalid_argument(where + "layers (" + shape_text(o.layers) +
                                        ") with batch " + std::to_string(o.batch) +
                                        " make a matrix of more than 2^25 entries");
    }
    if (o.hidden != activation::sigmoid && o.hidden != activation::tanh &&
        o.hidden != activation::relu)
        throw std::invalid_argument(where + "unknown hidden activation");
    if (o.out != head::sigmoid_bce && o.out != head::softmax_ce)
        throw std::invalid_argument(where + "unknown output");
    if (o.type != dtype::float32 && o.type != dtype::float64)
        throw std::invalid_argument(where + "unknown dtype");
}

template <class Get>
difference worst(const std::vector<parameter_report>& ps, Get get) {
    difference d;
    for (const auto& p : ps) {
        d.max_abs = std::max(d.max_abs, get(p).max_abs);
        d.max_rel = std::max(d.max_rel, get(p).max_rel);
    }
    return d;
}

std::string number(double v) {
    std::ostringstream s;
    s.precision(3);
    s << v;
    return s.str();
}

} // namespace

tolerances tolerances_for(dtype type) {
    if (type == dtype::float32)
        return {0x1p8 * float_eps, 0x1p8 * float_eps};
    return {1e-10, 1e-6};
}

difference report::worst_typegrad_vs_manual() const {
    return worst(parameters, [](const parameter_report& p) { return p.typegrad_vs_manual; });
}
difference report::worst_typegrad_vs_fd() const {
    return worst(parameters, [](const parameter_report& p) { return p.typegrad_vs_fd; });
}
difference report::worst_manual_vs_fd() const {
    return worst(parameters, [](const parameter_report& p) { return p.manual_vs_fd; });
}

std::vector<std::string> report::failures() const {
    std::vector<std::string> f;
    const auto over = [&](const parameter_report& p, const char* pair, const difference& d,
                          double tol) {
        if (!(d.max_rel <= tol))
            f.push_back(p.name + ": " + pair + " max_rel " + number(d.max_rel) + " > tolerance " +
                        number(tol));
    };
    for (const auto& p : parameters) {
        // A kink detector that left out every entry would otherwise pass unchecked.
        if (p.fd_checked == 0 && p.rows * p.cols > 0)
            f.push_back(p.name + ": no entry was checked by finite differences (" +
                        std::to_string(p.fd_skipped) + " left out at kinks)");
        over(p, "typegrad_vs_manual", p.typegrad_vs_manual, tol.typegrad_vs_manual);
        over(p, "typegrad_vs_fd", p.typegrad_vs_fd, tol.vs_fd);
        over(p, "manual_vs_fd", p.manual_vs_fd, tol.vs_fd);
    }
    return f;
}

network random_network(const options& opts) {
    validate(opts);
    return make_network(opts);
}

template <class T>
report check(const options& opts, const network& net, gradient_fn<T> typegrad) {
    validate(opts);
    const std::string where = "typegrad::gradcheck::check: ";
    if (opts.type != (std::is_same_v<T, float> ? dtype::float32 : dtype::float64))
        throw std::invalid_argument(where + "options.type is " + to_string(opts.type) +
                                    ", the gradient's scalar type is not");
    const auto& theta = net.theta;
    const std::size_t depth = opts.layers.size() - 1;
    bool fits = theta.W.size() == depth && theta.b.size() == depth &&
                net.x.shape() == std::array<std::size_t, 2>{opts.layers[0], opts.batch} &&
                net.y.shape() == std::array<std::size_t, 2>{opts.layers.back(), opts.batch};
    for (std::size_t l = 0; fits && l < depth; ++l)
        fits = theta.W[l].shape() == std::array<std::size_t, 2>{opts.layers[l + 1], opts.layers[l]} &&
               theta.b[l].shape() == std::array<std::size_t, 2>{opts.layers[l + 1], 1};
    if (!fits)
        throw std::invalid_argument(where + "the network's shapes do not match layers (" +
                                    shape_text(opts.layers) + ") and batch " +
                                    std::to_string(opts.batch));
    return compare<T>(opts, net, typegrad);
}

template report check<float>(const options&, const network&, gradient_fn<float>);
template report check<double>(const options&, const network&, gradient_fn<double>);

std::vector<std::size_t> parse_layers(std::string_view text) {
    const auto fail = [&](const std::string& why) {
        return std::invalid_argument("layers '" + std::string(text) + "': " + why);
    };
    constexpr std::size_t largest_size = 1u << 20;
    std::vector<std::size_t> sizes;
    std::size_t start = 0;
    while (true) {
        const std::size_t comma = std::min(text.find(',', start), text.size());
        const std::string_view item = text.substr(start, comma - start);
        if (item.empty())
            throw fail("empty entry; expected a comma-separated list of sizes like 400,25,10");
        if (!std::all_of(item.begin(), item.end(), [](char c) { return c >= '0' && c <= '9'; }))
            throw fail("'" + std::string(item) + "' is not a positive integer");
        std::size_t n = 0;
        const auto [end, ec] = std::from_chars(item.data(), item.data() + item.size(), n);
        if (ec != std::errc() || end != item.data() + item.size() || n > largest_size)
            throw fail("'" + std::string(item) + "' is larger than " +
                       std::to_string(largest_size));
        if (n == 0)
            throw fail("a layer of size 0");
        sizes.push_back(n);
        if (comma == text.size())
            break;
        start = comma + 1;
    }
    if (sizes.size() < 2)
        throw fail("at least 2 sizes are needed (inputs and outputs)");
    if (sizes.size() > max_depth + 1)
        throw fail(std::to_string(sizes.size() - 1) + " weight layers; at most " +
                   std::to_string(max_depth) + " are supported");
    return sizes;
}

std::string to_string(dtype t) {
    return t == dtype::float32 ? "float" : "double";
}

} // namespace typegrad::gradcheck
