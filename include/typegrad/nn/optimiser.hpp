// SPDX-License-Identifier: MIT
// What a parameter store needs of its optimiser, for one optimiser type (nn::sgd<T>,
// nn::adam<T>) or a closed choice among them made at run time (nn::any_optimiser<T>,
// a std::variant): per-parameter state (a slot), the update, and the state's checkpoint
// form. With a variant, code that trains is compiled once for every optimiser, and the
// choice costs one std::visit per parameter and step.
#pragma once

#include <span>
#include <string_view>
#include <variant>

#include <typegrad/nn/optim.hpp>

namespace typegrad::nn {

// SGD or Adam, chosen at run time.
template <class T>
using any_optimiser = std::variant<sgd<T>, adam<T>>;

template <class Optimiser>
struct optimiser_traits {
    using slot = typename Optimiser::slot;
    template <class T>
    static void update(const Optimiser& o, xt::xtensor<T, 2>& value, const xt::xtensor<T, 2>& grad, slot& s) {
        o.update(value, grad, s);
    }
    template <class T>
    static optimiser_state<T> state(const Optimiser& o) {
        return o.state();
    }
    template <class T>
    static void save_slot(const Optimiser&, std::string_view name, const slot& s, optimiser_state<T>& out) {
        Optimiser::save_slot(name, s, out);
    }
    // Reads a saved state into a copy of o (hyper-parameters and slots); throws, changing
    // nothing, if it does not fit. release_slot then hands each parameter's slot over.
    template <class T>
    static Optimiser loaded(const Optimiser& o, const optimiser_state<T>& s, std::span<const parameter<T>> params) {
        Optimiser copy = o;
        copy.load_state(s, params);
        return copy;
    }
    static slot release_slot(Optimiser& o, std::string_view name) { return o.release_slot(name); }
};

template <class... O>
struct optimiser_traits<std::variant<O...>> {
    using optimiser = std::variant<O...>;
    using slot = std::variant<typename O::slot...>;

    template <class T>
    static void update(const optimiser& o, xt::xtensor<T, 2>& value, const xt::xtensor<T, 2>& grad, slot& s) {
        std::visit([&]<class Opt>(const Opt& opt) { opt.update(value, grad, slot_of<Opt>(s)); }, o);
    }
    template <class T>
    static optimiser_state<T> state(const optimiser& o) {
        return std::visit([](const auto& opt) { return opt.state(); }, o);
    }
    template <class T>
    static void save_slot(const optimiser& o, std::string_view name, const slot& s, optimiser_state<T>& out) {
        std::visit(
            [&]<class Opt>(const Opt&) {
                if (const auto* mine = std::get_if<typename Opt::slot>(&s)) Opt::save_slot(name, *mine, out);
            },
            o);
    }
    template <class T>
    static optimiser loaded(const optimiser& o, const optimiser_state<T>& s, std::span<const parameter<T>> params) {
        return std::visit(
            [&]<class Opt>(const Opt& opt) {
                Opt copy = opt;
                copy.load_state(s, params);
                return optimiser(std::move(copy));
            },
            o);
    }
    static slot release_slot(optimiser& o, std::string_view name) {
        return std::visit([&](auto& opt) { return slot(opt.release_slot(name)); }, o);
    }

  private:
    // The slot of optimiser Opt: a slot of another optimiser (after the choice changed)
    // starts afresh.
    template <class Opt>
    static typename Opt::slot& slot_of(slot& s) {
        if (!std::holds_alternative<typename Opt::slot>(s)) s.template emplace<typename Opt::slot>();
        return std::get<typename Opt::slot>(s);
    }
};

} // namespace typegrad::nn
