// SPDX-License-Identifier: MIT
// typegrad::gradcheck::check_lenet: a typegrad gradient of LeNet-5, the hand-written
// reference::lenet and finite differences on the same network and images.
//
// Shape legend (as in src/reference/lenet.cpp): m = opts.batch; x 784 × m (28×28 images,
// one per column), y 10 × m one-hot; θ in nn::lenet5's order, shapes nn::lenet5_shapes.
#include <typegrad/gradcheck/lenet.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <typegrad/nn/lenet.hpp>

#include "comparison.hpp"

namespace typegrad::gradcheck {

namespace {

template <class T>
using matrix = xt::xtensor<T, 2>;
template <class T>
using params = reference::lenet_params<T>;

// ---- tolerances --------------------------------------------------------------------------
// Those of the MLP check, tolerances_for(type), whose reasoning (beside them in
// gradcheck.cpp) carries over; the margins, re-derived for LeNet-5:
// double, typegrad vs manual: both run the same products through blas::gemm, except
// the convolutions' K patches(a) and δ patches(a)ᵀ (typegrad reads the images in place,
// exec/patch_products.hpp: the same terms summed in another order), and differ also in
// the order of the bias sums and the softmax: a few dozen roundings of u ≈ 1.1e-16
// relative to S, against the bound 1e-10 (measured: 8.1e-16 at batch 4, 2.2e-15 at batch 16; 0, bit for bit, before
// the products read the images in place).
// double, vs finite differences: the step's error below, ≲ 1e-8 relative, against 1e-6
// (measured ≤ 8e-9 on random networks at batch 4 and 16, 1.4e-8 in the trainer).
// float: the longest sums are ∂J/∂conv1.K and ∂J/∂conv1.b, over 784·m positions, whose
// rounding grows like √(784 m) · u ≈ 60 u at m = 4, through a backward pass 11 layers
// deep: ~100 u ≈ 50 ε_float, as for a deep MLP, against 2^8 ε_float ≈ 3e-5 (measured
// ≤ 9.4e-7 ≈ 8 ε_float at batch 4 and 16). A wrong formula gives differences of order 1.
//
// ---- finite differences and kinks ----------------------------------------------------
// J is smooth in θ only while every relu input keeps its sign and every max-pool window
// its argmax (reference::lenet::activation_pattern). The MLP check's policy: a central
// difference (the same fourth-order stencil) whose points all keep the base point's
// pattern is compared, one that crosses a kink is not. LeNet-5 has ~6300 relus per image,
// and a conv1 weight moves 784 of them at once, so crossings are frequent; and on real
// images (the trainer's check) blank 5×5 patches put z = conv1.b exactly on the kink when
// the biases start at 0, where no central stencil keeps the pattern. Both analytic
// gradients differentiate the smooth piece the base point's pattern selects (relu′(0) = 0:
// the piece where the unit is off), so before leaving an entry out the check tries the
// one-sided fourth-order stencils on each side,
//   ∂J/∂θ ≈ ±(−25 J(θ) + 48 J(θ ± h) − 36 J(θ ± 2h) + 16 J(θ ± 3h) − 3 J(θ ± 4h)) / 12h,
// which measure the same derivative whenever all five points keep the pattern. Only an
// entry with kinks on both sides within 4h is left out (counted in fd_skipped), and a
// tensor with no entry checked fails, as for the MLP.
// Step: h = 1e-6 · max(1, |θ|), as in tests/reference/lenet.test.cpp. J (a mean over the
// batch, ≈ 2.3) carries rounding noise δ ≈ 1e-15; the central stencil's error is
// ≈ 1.5 δ / h ≈ 2e-9, the one-sided one's ≈ 11 δ / h ≈ 1e-8, the truncation negligible;
// relative to the tensors' largest entries (≳ 1e-2) that stays under 1e-6. A larger h is
// more accurate but crosses more kinks: at 1e-5 the trainer's check (batch 32, real
// images, zero biases) found kinks on both sides of every conv1.b entry and failed.
constexpr double lenet_step = 1e-6;
constexpr std::size_t largest_batch = 1024; // patches(x) is 25 × 784 m: 160 MB in double

class lenet_differences {
  public:
    lenet_differences(params<double> theta, const matrix<double>& x, const matrix<double>& y)
        : theta_(std::move(theta)), x_(x), y_(y) {
        net_.loss(theta_, x_, y_);
        net_.activation_pattern(base_);
    }

    // ∂J/∂θ at entry i of parameter t; false when every stencil crosses a kink.
    bool derivative(std::size_t t, std::size_t i, double& out) {
        double& v = theta_[t].data()[i];
        const double keep = v;
        const double h = lenet_step * std::max(1.0, std::abs(keep));
        bool smooth = true;
        const auto J = [&](double offset) { // J(θ + offset), and whether the pattern held
            v = keep + offset;
            const double j = net_.loss(theta_, x_, y_);
            net_.activation_pattern(probe_);
            smooth = smooth && probe_ == base_;
            return j;
        };
        out = (-J(2 * h) + 8 * J(h) - 8 * J(-h) + J(-2 * h)) / (12 * h);
        for (const double side : {-1.0, 1.0}) {
            if (smooth)
                break;
            smooth = true;
            const double s = side * h;
            out = (-25 * J(0) + 48 * J(s) - 36 * J(2 * s) + 16 * J(3 * s) - 3 * J(4 * s)) / (12 * s);
        }
        v = keep;
        return smooth;
    }

  private:
    reference::lenet<double> net_;
    params<double> theta_;
    const matrix<double>& x_;
    const matrix<double>& y_;
    std::vector<std::uint32_t> base_, probe_;
};

// conv1.K, conv1.b, ..., fc3.b: the model's own symbols, in the order of its parameters.
const auto parameter_names = []<class... P>(meta::type_list<P...>) {
    return std::array<std::string_view, sizeof...(P)>{P::name.view()...};
}(nn::lenet5::parameters{});
static_assert(std::tuple_size_v<decltype(parameter_names)> == std::tuple_size_v<params<double>>);

void validate_batch(const options& o, const char* where) {
    if (o.batch == 0 || o.batch > largest_batch)
        throw std::invalid_argument(std::string(where) + "batch " + std::to_string(o.batch) +
                                    " is outside 1 .. " + std::to_string(largest_batch) + " for LeNet-5");
    if (o.type != dtype::float32 && o.type != dtype::float64)
        throw std::invalid_argument(std::string(where) + "unknown dtype");
}

template <class To, class From>
params<To> cast(const params<From>& p) {
    params<To> q;
    for (std::size_t i = 0; i < p.size(); ++i)
        q[i] = xt::cast<To>(p[i]);
    return q;
}

} // namespace

lenet_network random_lenet_network(const options& opts) {
    validate_batch(opts, "typegrad::gradcheck::random_lenet_network: ");
    lenet_network net{reference::lenet_random_params<double>(opts.seed), {}, {}};
    detail::random_source rng(opts.seed ^ 0x6a09e667f3bcc909u); // a stream apart from the weights'
    for (std::size_t i = 1; i < net.theta.size(); i += 2) // the biases: nonzero, so that they shift the kinks too
        for (auto& v : net.theta[i])
            v = rng.uniform(-0.25, 0.25);
    const std::size_t m = opts.batch;
    net.x = xt::zeros<double>({std::size_t(784), m});
    for (auto& v : net.x)
        v = rng.uniform(0, 1);
    net.y = xt::zeros<double>({std::size_t(10), m});
    for (std::size_t j = 0; j < m; ++j)
        net.y(rng.below(10), j) = 1.0; // one-hot
    return net;
}

template <class T>
report check_lenet(const options& o, const lenet_network& net, lenet_gradient_fn<T> typegrad) {
    const char* where = "typegrad::gradcheck::check_lenet: ";
    validate_batch(o, where);
    if (o.type != (std::is_same_v<T, float> ? dtype::float32 : dtype::float64))
        throw std::invalid_argument(std::string(where) + "options.type is " + to_string(o.type) +
                                    ", the gradient's scalar type is not");
    bool fits = net.x.shape() == std::array<std::size_t, 2>{784, o.batch} &&
                net.y.shape() == std::array<std::size_t, 2>{10, o.batch};
    for (std::size_t i = 0; fits && i < net.theta.size(); ++i)
        fits = net.theta[i].shape() == nn::lenet5_shapes[i];
    if (!fits)
        throw std::invalid_argument(std::string(where) + "the network's shapes are not LeNet-5's "
                                    "(nn::lenet5_shapes) with x 784 × batch, y 10 × batch, batch " +
                                    std::to_string(o.batch));
    report r;
    r.opts = o;
    r.tol = tolerances_for(o.type);
    r.fd_step = lenet_step;

    // The network in T; for float, the double network is made of the float-rounded
    // numbers, so that only the arithmetic differs between the three.
    const params<T> theta = cast<T>(net.theta);
    const matrix<T> x = xt::cast<T>(net.x), y = xt::cast<T>(net.y);

    params<T> g_tg, g_man;
    r.loss_typegrad = double(typegrad(theta, x, y, g_tg));
    detail::perturb(g_tg[0], o.perturb);
    reference::lenet<T> manual;
    r.loss_manual = double(manual.gradient(theta, x, y, g_man));

    const matrix<double> x_d = xt::cast<double>(x), y_d = xt::cast<double>(y);
    lenet_differences fd(cast<double>(theta), x_d, y_d);
    for (std::size_t t = 0; t < theta.size(); ++t)
        r.parameters.push_back(detail::compare_tensor(std::string(parameter_names[t]), g_tg[t], &g_man[t],
                                                      o.fd_samples, o.seed + t,
                                                      [&](std::size_t i, double& d) { return fd.derivative(t, i, d); }));
    return r;
}

template report check_lenet<float>(const options&, const lenet_network&, lenet_gradient_fn<float>);
template report check_lenet<double>(const options&, const lenet_network&, lenet_gradient_fn<double>);

} // namespace typegrad::gradcheck
