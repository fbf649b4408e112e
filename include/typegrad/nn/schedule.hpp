// SPDX-License-Identifier: MIT
// Learning-rate schedules, as functions of the epoch alone, so that a resumed run and
// every rank of a data-parallel one set the same rate for the same epoch:
//
//   constant   lr(e) = base
//   cosine     lr(e) = base · (1 + cos(π e / E)) / 2,   e = 0 … E − 1
//
// Cosine annealing (Loshchilov & Hutter, SGDR, 2017) is PyTorch's
// lr_scheduler.CosineAnnealingLR with T_max = E and η_min = 0, stepped once per epoch:
// the first epoch at the base rate, the last at base · (1 + cos(π (E − 1)/E)) / 2.
//
//   store.set_optimiser(nn::with_learning_rate(store.optimiser(),
//                                              nn::learning_rate(nn::lr_schedule::cosine, 1e-3, epoch, epochs)));
#pragma once

#include <cmath>
#include <cstddef>
#include <numbers>
#include <stdexcept>
#include <string>
#include <variant>

#include <typegrad/nn/optimiser.hpp>

namespace typegrad::nn {

enum class lr_schedule { constant, cosine };

// The rate of epoch `epoch` (counted from 0) of `epochs`.
inline double learning_rate(lr_schedule s, double base, std::size_t epoch, std::size_t epochs) {
    if (epoch >= epochs)
        throw std::invalid_argument("typegrad::nn::learning_rate: epoch " + std::to_string(epoch) + " of " +
                                    std::to_string(epochs) + " (epochs count from 0)");
    if (s == lr_schedule::constant) return base;
    return base * (1 + std::cos(std::numbers::pi * double(epoch) / double(epochs))) / 2;
}

// The same optimiser with learning rate lr; its other hyper-parameters are kept, and
// the per-parameter state (kept by the parameter store) is not touched.
template <class T>
sgd<T> with_learning_rate(const sgd<T>& o, double lr) {
    auto h = o.hyper_parameters();
    h.lr = lr;
    return sgd<T>(h);
}
template <class T>
adam<T> with_learning_rate(const adam<T>& o, double lr) {
    auto h = o.hyper_parameters();
    h.lr = lr;
    return adam<T>(h);
}
template <class... O>
std::variant<O...> with_learning_rate(const std::variant<O...>& o, double lr) {
    return std::visit([lr](const auto& opt) { return std::variant<O...>(with_learning_rate(opt, lr)); }, o);
}

} // namespace typegrad::nn
