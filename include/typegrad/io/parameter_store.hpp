// SPDX-License-Identifier: MIT
// Checkpoints of a parameter store: its tensors under their symbols' names and its
// optimiser's state ("<name>/exp_avg", ...), in the checkpoint format of checkpoint.hpp
// (the names are the file's keys; inside the program the store keys by symbol).
//
//   tg::io::save_checkpoint(path, tg::io::to_checkpoint(store));
//   tg::io::restore(store, tg::io::load_checkpoint(path));
#pragma once

#include <array>
#include <span>
#include <string>

#include <boost/hana/unpack.hpp>

#include <typegrad/io/checkpoint.hpp>
#include <typegrad/nn/parameter_store.hpp>

namespace typegrad::io {

namespace detail {
// (name, tensor) views of the store's parameters, for the checkpoint's named records.
template <class Store>
auto parameter_views(Store& store) {
    using T = typename Store::value_type;
    return boost::hana::unpack(store, [](auto&... e) {
        return std::array<nn::parameter<T>, sizeof...(e)>{
            nn::parameter<T>{std::string(decltype(e.symbol)::name.view()), &e.value}...};
    });
}
} // namespace detail

// The store's parameters and optimiser state (hyper-parameters, then each parameter's slot).
template <class Store>
checkpoint to_checkpoint(const Store& store) {
    auto& s = const_cast<Store&>(store); // the views are only read here
    checkpoint c;
    const auto views = detail::parameter_views(s);
    store_parameters(c, views);
    using traits = typename Store::traits;
    using T = typename Store::value_type;
    // The hyper-parameters (the store's optimiser holds no slots), then each parameter's slot.
    auto state = traits::template state<T>(store.optimiser());
    boost::hana::for_each(store, [&](const auto& e) {
        traits::save_slot(store.optimiser(), decltype(e.symbol)::name.view(), e.state, state);
    });
    store_optimiser(c, state);
    return c;
}

// Replaces the store's tensors, hyper-parameters and optimiser state with the checkpoint's.
// Every parameter must be there with its shape and dtype, the optimiser must be the store's
// kind, and nothing else may be in it; otherwise checkpoint_error or nn::optimiser_error
// names what does not fit, and the store is left as it was.
template <class Store>
void restore(Store& store, const checkpoint& c) {
    using T = typename Store::value_type;
    using traits = typename Store::traits;
    const auto views = detail::parameter_views(store);
    // Validates and reads into a copy; touches nothing of the store.
    auto loaded = traits::loaded(store.optimiser(), optimiser_state_of<T>(c), std::span<const nn::parameter<T>>(views));
    restore_parameters(c, views); // validates everything before it copies
    boost::hana::for_each(store, [&](auto& e) { e.state = traits::release_slot(loaded, decltype(e.symbol)::name.view()); });
    store.set_optimiser(std::move(loaded));
}

} // namespace typegrad::io
