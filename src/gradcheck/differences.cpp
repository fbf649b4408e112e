// SPDX-License-Identifier: MIT
// typegrad::gradcheck's check against finite differences alone, for models without a
// hand-written reference (gradcheck/differences.hpp): the kink-aware difference quotient
// and the comparison of one tensor.
#include <typegrad/gradcheck/differences.hpp>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "comparison.hpp"

namespace typegrad::gradcheck {

namespace {

// ---- step and agreement ------------------------------------------------------------------
// h = 1e-6 · max(1, |θ|), LeNet-5's step (src/gradcheck/lenet.cpp): J (a mean over the
// batch, ≈ 2.3) carries rounding noise δ of a few ε|J|; the central stencil's error is
// ≈ 1.5 δ / h ≈ 1e-9, a one-sided one's ≈ 11 δ / h and a half-step one's ≈ 21 δ / h, up
// to ≈ 1e-8; the truncation error (∝ h⁴) is negligible. A kink crossed at distance d
// with a change Δ of slope moves a stencil by a weight in [0, 2] of Δ that depends on d;
// a relu of one example moving with θ changes the slope by ≈ |∂J/∂a · ∂z/∂θ| ≳ 1e-4 ·
// S, far above the noise.
// Two estimates agree when they differ by at most half the tolerance of the comparison,
// 0.5e-6 · S (S: the tensor's largest gradient entry), or by the noise of a half-step
// stencil, 16 ε |J| / h, if that is larger: a kink too small to tell the stencils apart
// moves the estimate by less than the tolerance, and noise alone is not taken for a kink.
constexpr double relative_step = 1e-6;

// (−25 f(0) + 48 f(1) − 36 f(2) + 16 f(3) − 3 f(4)) / 12s: f's fourth-order one-sided
// derivative at 0 from f(k) = J(k s), k = 0 .. 4 (s < 0 looks left).
double one_sided(double f0, double f1, double f2, double f3, double f4, double s) {
    return (-25 * f0 + 48 * f1 - 36 * f2 + 16 * f3 - 3 * f4) / (12 * s);
}

} // namespace

derivative_estimate kink_aware_derivative(const std::function<double(double)>& J, double h, double agree,
                                          double near) {
    std::array<double, 9> at{}; // J(k h) for k = −4 .. 4
    for (int k = -4; k <= 4; ++k)
        at[std::size_t(k + 4)] = J(k * h);
    const auto j = [&](int k) { return at[std::size_t(k + 4)]; };

    const double central = (-j(2) + 8 * j(1) - 8 * j(-1) + j(-2)) / (12 * h);
    const double right = one_sided(j(0), j(1), j(2), j(3), j(4), h);
    const double left = one_sided(j(0), j(-1), j(-2), j(-3), j(-4), -h);
    const auto agrees = [&](double a, double b) { return std::abs(a - b) <= agree; };
    if (agrees(left, right) && agrees(central, 0.5 * (left + right)))
        return {central, stencil::central};

    // A kink within 4h of 0. Each side again with half the step (points 0 .. 2h): on a
    // smooth side both one-sided estimates measure the same derivative; across a kink
    // they weigh it differently.
    const double right_half = one_sided(j(0), J(h / 2), j(1), J(3 * h / 2), j(2), h / 2);
    const double left_half = one_sided(j(0), J(-h / 2), j(-1), J(-3 * h / 2), j(-2), -h / 2);
    const bool right_smooth = agrees(right, right_half), left_smooth = agrees(left, left_half);
    if (right_smooth && left_smooth) {
        if (agrees(left, right)) // smooth after all: the central stencil alone was off
            return {0.5 * (left + right), stencil::central};
        return {std::abs(left - near) <= std::abs(right - near) ? left : right, stencil::at_kink};
    }
    if (left_smooth)
        return {left, stencil::left};
    if (right_smooth)
        return {right, stencil::right};
    return {0, stencil::unresolved};
}

namespace {

// One tensor against kink-aware differences; J is the loss at the unmoved values.
parameter_report compare_tensor(const differentiated& p, std::size_t samples, std::uint64_t seed, double J,
                                const std::function<double()>& loss) {
    const xt::xtensor<double, 2>& g = *p.gradient;
    const double agree = std::max(0.5 * tolerances_for(dtype::float64).vs_fd * detail::largest(g),
                                  16 * std::numeric_limits<double>::epsilon() * std::abs(J) / relative_step);
    std::size_t one_sided_count = 0;
    parameter_report pr = detail::compare_tensor(
        p.name, g, static_cast<const xt::xtensor<double, 2>*>(nullptr), samples, seed,
        [&](std::size_t i, double& d) {
            double& v = p.value->data()[i];
            const double keep = v;
            const derivative_estimate e = kink_aware_derivative(
                [&](double t) {
                    if (t == 0) return J; // the unmoved values: known, no forward pass
                    v = keep + t;
                    return loss();
                },
                relative_step * std::max(1.0, std::abs(keep)), agree, g.data()[i]);
            v = keep;
            if (e.from == stencil::unresolved)
                return false;
            one_sided_count += e.from != stencil::central;
            d = e.value;
            return true;
        });
    pr.fd_one_sided = one_sided_count;
    return pr;
}

} // namespace

report compare_with_differences(const options& opts, const std::vector<differentiated>& parameters,
                                const std::function<double()>& loss) {
    const double J = loss(); // at the unmoved values: every stencil's J(0)
    report r;
    r.opts = opts;
    r.opts.type = dtype::float64;
    r.tol = tolerances_for(dtype::float64);
    r.fd_step = relative_step;
    r.manual = false;
    r.loss_typegrad = J;
    if (!parameters.empty())
        detail::perturb(*parameters.front().gradient, opts.perturb);
    for (std::size_t t = 0; t < parameters.size(); ++t)
        r.parameters.push_back(compare_tensor(parameters[t], opts.fd_samples, opts.seed + t, J, loss));
    return r;
}

} // namespace typegrad::gradcheck
