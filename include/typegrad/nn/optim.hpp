// SPDX-License-Identifier: MIT
// Optimisers: SGD with momentum and Adam, updating parameters in place, as torch.optim does.
//
//   std::vector<tg::nn::parameter<float>> params{{"W1", &W1}, {"b1", &b1}};
//   tg::nn::adam<float> opt({.lr = 1e-3});
//   std::array<const xt::xtensor<float, 2>*, 2> grads{&g[W1], &g[b1]};
//   opt.step(params, grads);                  // gradients in the same order as the parameters
//
// State (momentum buffers, moments) is one `slot` per parameter, created on its first step;
// after that a step allocates nothing. step() keeps the slots in a map keyed by name, for
// parameters known only at run time; nn::parameter_store keeps them beside each parameter,
// keyed by its symbol, and calls update() (the same arithmetic) directly. Hyper-parameters are doubles and every derived
// scalar (bias corrections, step size) is computed in double, then each elementwise operation
// runs in T in the order PyTorch's kernels use, so float results follow torch.optim's float
// ones. The update loops are compiled once, in src/nn/optim.cpp, without floating-point
// contraction (-ffp-contract=off), so the same inputs give the same bits in every build.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace typegrad::nn {

// A mismatch between an optimiser and what it is given: parameters and gradients of different
// counts or shapes, duplicate names, or a saved state that does not fit.
class optimiser_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// A trainable tensor, by name; the optimiser updates *value in place.
template <class T>
struct parameter {
    std::string name;
    xt::xtensor<T, 2>* value;
};

template <class T>
struct named_tensor {
    std::string name;
    xt::xtensor<T, 2> value;
};

struct named_scalar {
    std::string name;
    double value;
};

// An optimiser's state as plain data, for checkpoints. Tensor and scalar names are
// "<parameter>/<slot>" for per-parameter state and bare names for hyper-parameters.
template <class T>
struct optimiser_state {
    std::string kind; // "sgd" or "adam"
    std::vector<named_tensor<T>> tensors;
    std::vector<named_scalar> scalars;
};

// Stochastic gradient descent, as torch.optim.SGD (dampening 0, no Nesterov):
//   g ← g + weight_decay · θ
//   v ← g on the first step, μ · v + g after      (only when momentum μ ≠ 0)
//   θ ← θ − lr · v                                 (v = g when μ = 0)
// State: "<name>/momentum_buffer"; scalars "lr", "momentum", "weight_decay".
template <class T>
class sgd {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "typegrad::nn::sgd<T> requires T = float or double");

  public:
    struct options {
        double lr = 0.01;
        double momentum = 0;
        double weight_decay = 0;
    };

    // One parameter's state.
    struct slot {
        xt::xtensor<T, 2> momentum_buffer;
        bool started = false;
        std::uint64_t mark = 0; // the step() call that last saw it, to catch a name used twice
    };

    explicit sgd(options o);

    // One parameter's update in place; grad has value's shape (the caller checked it).
    void update(xt::xtensor<T, 2>& value, const xt::xtensor<T, 2>& grad, slot& s) const;
    // Appends s to `out` as "<name>/momentum_buffer" (nothing before its first step).
    static void save_slot(std::string_view name, const slot& s, optimiser_state<T>& out);
    // The slot load_state read for `name` (empty if it had none), moved out of this optimiser.
    slot release_slot(std::string_view name);

    // Updates every parameter in place from the gradient at the same position.
    void step(std::span<const parameter<T>> params,
              std::span<const xt::xtensor<T, 2>* const> grads);

    const options& hyper_parameters() const noexcept { return options_; }
    optimiser_state<T> state() const;
    // Replaces hyper-parameters and buffers with `s`, after checking that it is an SGD state
    // whose buffers name parameters in `params` with their shapes. Nothing changes on error.
    void load_state(const optimiser_state<T>& s, std::span<const parameter<T>> params);

  private:
    options options_;
    std::uint64_t marks_ = 0;
    std::map<std::string, slot, std::less<>> slots_;
};

// Adam, as torch.optim.Adam (amsgrad off; weight decay is L2, added to the gradient):
//   g ← g + weight_decay · θ
//   m ← lerp(m, g, 1 − β1)                    m + (1 − β1)(g − m)
//   v ← β2 · v + (1 − β2) · g · g
//   θ ← θ − (lr / (1 − β1ᵗ)) · m / (√v / √(1 − β2ᵗ) + ε)
// with t the parameter's own step count, from 1. State: "<name>/exp_avg", "<name>/exp_avg_sq",
// scalar "<name>/step"; scalars "lr", "beta1", "beta2", "eps", "weight_decay".
template <class T>
class adam {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "typegrad::nn::adam<T> requires T = float or double");

  public:
    struct options {
        double lr = 1e-3;
        double beta1 = 0.9;
        double beta2 = 0.999;
        double eps = 1e-8;
        double weight_decay = 0;
    };

    // One parameter's state: its moments and its own step count t.
    struct slot {
        xt::xtensor<T, 2> exp_avg, exp_avg_sq;
        std::uint64_t step = 0;
        std::uint64_t mark = 0;
    };

    explicit adam(options o);

    void update(xt::xtensor<T, 2>& value, const xt::xtensor<T, 2>& grad, slot& s) const;
    // "<name>/exp_avg", "<name>/exp_avg_sq" and scalar "<name>/step" (nothing before step 1).
    static void save_slot(std::string_view name, const slot& s, optimiser_state<T>& out);
    slot release_slot(std::string_view name);

    void step(std::span<const parameter<T>> params,
              std::span<const xt::xtensor<T, 2>* const> grads);

    const options& hyper_parameters() const noexcept { return options_; }
    optimiser_state<T> state() const;
    void load_state(const optimiser_state<T>& s, std::span<const parameter<T>> params);

  private:
    options options_;
    std::uint64_t marks_ = 0;
    std::map<std::string, slot, std::less<>> slots_;
};

extern template class sgd<float>;
extern template class sgd<double>;
extern template class adam<float>;
extern template class adam<double>;

} // namespace typegrad::nn
