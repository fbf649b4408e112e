// SPDX-License-Identifier: MIT
// Boost.Hana views of typegrad's heterogeneous collections, so that hana::for_each,
// hana::unpack, hana::fold and friends work on them in user code:
//
//   hana::for_each(tg::parameters_of<model>, [](auto p) { p.name; });      // fc1.W, fc1.b, ...
//   hana::for_each(model::gradient, [](auto e) {                          // derived, compile time
//       tg::formula(hana::second(e));                                      // ∂J/∂(hana::first(e))
//   });
//   hana::for_each(step, [](const auto& e) { e.symbol; e.value; });        // computed, after run()
//
// A derived gradient (grad(f, x, y)) is Foldable over hana::pair(symbol, derived expression),
// both empty constexpr values; a compiled gradient program over gradient_entry{symbol,
// value}, the value being the program's own buffer (no copy). Both come in the order the
// symbols were given to grad. The parameter store is Foldable too (nn/parameter_store.hpp).
// The derivation itself (ad/, expr/) stays on typegrad's own indexed type lists, which
// compile faster there (README, "Where Boost.Hana is used").
#pragma once

#include <boost/hana/core/tag_of.hpp>
#include <boost/hana/for_each.hpp>
#include <boost/hana/pair.hpp>
#include <boost/hana/tuple.hpp>
#include <boost/hana/unpack.hpp>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/eval.hpp>

namespace typegrad {

// A model's parameter symbols (Model::parameters), as a hana::tuple of constexpr values.
template <class Model>
inline constexpr auto parameters_of = []<class... P>(meta::type_list<P...>) {
    return boost::hana::make_tuple(P{}...);
}(typename Model::parameters{});

// One entry of a computed gradient: ∂f/∂symbol, shaped like the symbol's value.
template <class Symbol, class T>
struct gradient_entry {
    static constexpr Symbol symbol{};
    const xt::xtensor<T, 2>& value;
};

struct derived_gradient_tag {};
struct gradient_program_tag {};

namespace detail {
template <class F, class... Wrt, class Fn>
constexpr decltype(auto) unpack_derived(gradient<F, Wrt...> g, Fn&& fn) {
    return static_cast<Fn&&>(fn)(boost::hana::make_pair(Wrt{}, g[Wrt{}])...);
}

template <class T, class F, class... Wrt, class... Adj, class Fn>
constexpr decltype(auto) unpack_computed(const gradient_program<T, F, meta::type_list<Wrt...>, meta::type_list<Adj...>>& p,
                                         Fn&& fn) {
    return static_cast<Fn&&>(fn)(gradient_entry<Wrt, T>{p[Wrt{}]}...);
}
} // namespace detail

} // namespace typegrad

template <class F, class... Wrt>
struct boost::hana::tag_of<typegrad::gradient<F, Wrt...>> {
    using type = typegrad::derived_gradient_tag;
};

template <class T, class F, class Wrt, class Adj>
struct boost::hana::tag_of<typegrad::gradient_program<T, F, Wrt, Adj>> {
    using type = typegrad::gradient_program_tag;
};

template <>
struct boost::hana::unpack_impl<typegrad::derived_gradient_tag> {
    template <class G, class Fn>
    static constexpr decltype(auto) apply(G&& g, Fn&& fn) {
        return typegrad::detail::unpack_derived(g, static_cast<Fn&&>(fn));
    }
};

template <>
struct boost::hana::unpack_impl<typegrad::gradient_program_tag> {
    template <class P, class Fn>
    static constexpr decltype(auto) apply(const P& program, Fn&& fn) {
        return typegrad::detail::unpack_computed(program, static_cast<Fn&&>(fn));
    }
};
