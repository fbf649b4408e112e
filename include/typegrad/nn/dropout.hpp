// SPDX-License-Identifier: MIT
// Dropout as a layer: y = x ⊙ mask, the mask a symbol bound afresh at every training step
// (ops/dropout.hpp), so the derived adjoint is δ ⊙ mask like any product's and no
// gradient flows through the dropped units. The layer lists itself in `masks`; a model's
// masks (nn::sequential collects them) are held and drawn by a mask_set:
//
//   using model = nn::sequential<..., nn::flatten_layer, nn::dropout_layer<"drop1", 3136, 25>, ...>;
//   nn::mask_set<model::masks, float> masks;
//   auto values = std::apply([&](auto... m) { return store.values(x = X, y = Y, m...); }, masks.bindings());
//   masks.draw(rng, 0, m, m);   // training: each entry 0 with probability 25 %, else 4/3
//   masks.identity(m);          // evaluation: all ones, dropout is the identity
#pragma once

#include <array>
#include <cstddef>
#include <random>
#include <tuple>
#include <utility>

#include <xtensor/xnoalias.hpp>
#include <xtensor/xtensor.hpp>
#include <xtensor/xview.hpp>

#include <typegrad/expr/type_list.hpp>
#include <typegrad/expr/var.hpp>
#include <typegrad/nn/layers.hpp>
#include <typegrad/ops/dropout.hpp>

namespace typegrad::nn {

// Drops each of Features inputs (rows) with probability Percent / 100 during training;
// the mask var<"<name>.mask"> is Features × batch. (The rate is a whole percentage, not
// a double, because clang before 18 takes no floating-point template arguments.)
template <fixed_string Name, dim Features, unsigned Percent>
struct dropout_layer {
    static_assert(Percent < 100, "typegrad: dropout_layer drops a percentage below 100 of its inputs");
    static constexpr dim features = Features;
    static constexpr double rate = Percent / 100.0;
    static constexpr auto mask = var<Name + fixed_string(".mask"), Features>;
    using parameters = meta::type_list<>;
    using masks = meta::type_list<dropout_layer>;

    template <node X>
    constexpr auto operator()(X x) const { return dropout(x, mask); }
};

// The mask tensors of a list of dropout layers (a model's `masks`), in the list's order.
template <class Masks, class T>
class mask_set;

template <class... Layer, class T>
class mask_set<meta::type_list<Layer...>, T> {
  public:
    // Each Layer::mask bound to its tensor by reference, for values(...): drawing new
    // masks needs no new binding.
    auto bindings() const {
        return [&]<std::size_t... I>(std::index_sequence<I...>) {
            return std::tuple{(Layer::mask = masks_[I])...};
        }(std::index_sequence_for<Layer...>{});
    }

    // Training: every mask drawn, in order, for a batch of `total` columns, of which the
    // columns [first, first + count) are kept. Ranks that hold consecutive parts of one
    // batch and draw from equal generators therefore hold the parts of one mask, the mask
    // a single process draws for the whole batch.
    void draw(std::mt19937_64& rng, std::size_t first, std::size_t count, std::size_t total) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (draw_one(masks_[I], wholes_[I], Layer::features, Layer::rate, rng, first, count, total), ...);
        }(std::index_sequence_for<Layer...>{});
    }

    // Evaluation: every mask all ones for `count` columns.
    void identity(std::size_t count) {
        [&]<std::size_t... I>(std::index_sequence<I...>) {
            (ones(masks_[I], Layer::features, count), ...);
        }(std::index_sequence_for<Layer...>{});
    }

    const xt::xtensor<T, 2>& operator[](std::size_t i) const { return masks_[i]; }

  private:
    // The whole batch's mask is drawn row by row; a part of it is copied out of `whole`.
    static void draw_one(xt::xtensor<T, 2>& mask, xt::xtensor<T, 2>& whole, std::size_t rows, double rate,
                         std::mt19937_64& rng, std::size_t first, std::size_t count, std::size_t total) {
        resize(mask, rows, count);
        if (count == total) return dropout_mask(mask, rate, rng);
        resize(whole, rows, total);
        dropout_mask(whole, rate, rng);
        // noalias: a plain assignment would copy through a temporary, an allocation per step.
        xt::noalias(mask) = xt::view(whole, xt::all(), xt::range(first, first + count));
    }

    static void ones(xt::xtensor<T, 2>& mask, std::size_t rows, std::size_t count) {
        resize(mask, rows, count);
        mask.fill(T(1));
    }

    // Reallocates only when the shape changes (the last, smaller batch of an epoch).
    static void resize(xt::xtensor<T, 2>& t, std::size_t rows, std::size_t columns) {
        if (t.shape(0) != rows || t.shape(1) != columns) t.resize({rows, columns});
    }

    std::array<xt::xtensor<T, 2>, sizeof...(Layer)> masks_;
    std::array<xt::xtensor<T, 2>, sizeof...(Layer)> wholes_; // a part's whole batch, before its columns are kept
};

} // namespace typegrad::nn
