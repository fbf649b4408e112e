// SPDX-License-Identifier: MIT
// The gradient check of any model, with or without a hand-written reference: typegrad's
// derived gradient against finite differences of the model's own loss, both evaluated by
// typegrad in double on the same weights, images and dropout masks.
//
//   struct model : nn::classifier<nn::convnet> {};
//   const auto r = gradcheck::run<model>(store, X, Y);   // store[conv1.K], ..., store[fc2.b]
//   r.passed();
//
// Model is an nn::classifier, or anything with its members: x, y, loss, gradient,
// parameters and masks. Models with a reference (nn::mlp, LeNet-5) are checked three ways
// by gradcheck/model.hpp and gradcheck/lenet_model.hpp instead; check_differences<Model>
// checks any model two ways. Link typegrad::gradcheck_core.
//
// A network of relus and max-pools is smooth only piecewise, and a difference quotient
// across a kink measures nothing. Without a reference there is no activation pattern to
// tell where the kinks are, so they are found from the loss itself: a kink within the
// stencil makes the left and right one-sided differences disagree (kink_aware_derivative).
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <random>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/eval.hpp>
#include <typegrad/expr/type_list.hpp>
#include <typegrad/gradcheck.hpp>
#include <typegrad/gradcheck/lenet_model.hpp>
#include <typegrad/gradcheck/model.hpp>
#include <typegrad/nn/dropout.hpp>

namespace typegrad::gradcheck {

// Where the derivative at 0 of a piecewise-smooth J(t) was read from.
enum class stencil {
    central,    // no kink within ±4h: the central fourth-order difference
    left,       // a kink on the right only: the left one-sided difference (θ's piece)
    right,      // a kink on the left only
    at_kink,    // a kink at 0 itself, smooth on both sides: the one-sided difference nearer `near`
    unresolved, // kinks on both sides within 4h: no estimate
};

struct derivative_estimate {
    double value = 0;
    stencil from = stencil::unresolved;
};

// J's derivative at 0 from values at multiples of h, reading kinks off J itself. Two
// estimates "agree" when they differ by at most `agree`.
//   central C = (−J(2h) + 8 J(h) − 8 J(−h) + J(−2h)) / 12h
//   one-sided R = (−25 J(0) + 48 J(h) − 36 J(2h) + 16 J(3h) − 3 J(4h)) / 12h, L the same with −h
// If C, L and R agree, J is smooth on [−4h, 4h] up to kinks too small to matter: C.
// Otherwise each side is tested by its own half-step stencil (points 0 .. 2h): a side
// whose two one-sided estimates agree is smooth, and the derivative of θ's piece is the
// smooth side's. Both sides smooth but different: the kink is at 0, where J has no
// derivative; a gradient there is a convention (relu′(0) = 0, the first of tied maxima),
// which equals one of the two one-sided derivatives, so the one nearer `near` (the
// gradient under test) is returned, and a wrong gradient still differs from both.
derivative_estimate kink_aware_derivative(const std::function<double(double)>& J, double h, double agree,
                                          double near);

// A parameter as the check sees it: its name, its value in double (moved one entry at
// a time while differences are taken, then restored) and typegrad's gradient of it.
struct differentiated {
    std::string name;
    xt::xtensor<double, 2>* value;
    xt::xtensor<double, 2>* gradient;
};

// The report (report::manual false, in double): each parameter's gradient against
// kink-aware differences of loss(), which must read the values by reference. Up to
// opts.fd_samples entries per tensor, in
// gradcheck's sample order from opts.seed + its position; the step is
// 1e-6 · max(1, |θ_i|). opts.perturb is added to the first gradient as the other checks
// do (options::perturb).
report compare_with_differences(const options& opts, const std::vector<differentiated>& parameters,
                                const std::function<double()>& loss);

// Models with a hand-written reference, checked three ways (gradcheck/model.hpp,
// gradcheck/lenet_model.hpp); run<Model> below takes the others.
template <class Model>
concept has_reference = mlp_model<Model> || lenet_model<Model>;

// Checks Model's derived gradient at `weights` (indexed by the model's symbols: a
// parameter store) on one batch x, y against finite differences of Model::loss, all in
// double. Dropout masks (Model::masks) are drawn once from opts.seed and held fixed: they
// are inputs, not parameters. Reads opts.seed, opts.fd_samples and opts.perturb.
template <class Model, class Weights, class T>
report check_differences(const Weights& weights, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
                         const options& opts) {
    using parameters = typename Model::parameters;
    std::array<xt::xtensor<double, 2>, parameters::size> theta, g;
    const xt::xtensor<double, 2> xd = xt::cast<double>(x), yd = xt::cast<double>(y);
    nn::mask_set<typename Model::masks, double> masks;
    std::mt19937_64 rng(opts.seed);
    masks.draw(rng, 0, xd.shape(1), xd.shape(1));

    return [&]<class... P, std::size_t... I>(meta::type_list<P...>, std::index_sequence<I...>) {
        ((theta[I] = xt::cast<double>(weights[P{}])), ...);
        const auto values = std::apply(
            [&](auto... mask) { return typegrad::values(Model::x = xd, Model::y = yd, (P{} = theta[I])..., mask...); },
            masks.bindings());
        auto gradient = compile<double>(Model::gradient);
        gradient.run(values);
        ((g[I] = gradient[P{}]), ...);
        auto forward = compile<double>(Model::loss);
        return compare_with_differences(opts, {differentiated{std::string(P::name.view()), &theta[I], &g[I]}...},
                                        [&] {
                                            forward.run(values);
                                            return forward[Model::loss](0, 0);
                                        });
    }(parameters{}, std::make_index_sequence<parameters::size>{});
}

// Any model without a reference: check_differences with fd_samples and seed.
template <class Model, class Weights, class T>
    requires(!has_reference<Model>)
report run(const Weights& weights, const xt::xtensor<T, 2>& x, const xt::xtensor<T, 2>& y,
           std::size_t fd_samples = 16, std::uint64_t seed = 1) {
    options o;
    o.fd_samples = fd_samples;
    o.seed = seed;
    return check_differences<Model>(weights, x, y, o);
}

} // namespace typegrad::gradcheck
