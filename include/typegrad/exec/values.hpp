// SPDX-License-Identifier: MIT
// Binding values to symbols: tg::values(W1 = w1, x = X, ...). Containers bound as
// lvalues are referenced, not copied, so a training loop can update them in place
// and run again; temporaries and scalars are stored.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <utility>
#include <variant>

#include <xtensor/xtensor.hpp>

#include <typegrad/expr/node.hpp>

namespace typegrad {

template <fixed_string Name, class T>
struct binding {
    static constexpr auto name = Name;
    using value_type = T;
    // Points either at the caller's tensor or at `owned`.
    const xt::xtensor<T, 2>* ref = nullptr;
    xt::xtensor<T, 2> owned;

    const xt::xtensor<T, 2>& get() const { return ref ? *ref : owned; }
};

template <fixed_string Name, dim R, dim C, class V>
constexpr auto bind(symbol<Name, R, C>, V&& v) {
    using D = std::remove_cvref_t<V>;
    if constexpr (std::is_arithmetic_v<D>) {
        binding<Name, D> b;
        b.owned = xt::xtensor<D, 2>({1, 1}, v);
        return b;
    } else {
        using T = typename D::value_type;
        static_assert(std::is_same_v<D, xt::xtensor<T, 2>>,
                      "typegrad: bind(symbol, value) requires an xt::xtensor<T, 2> or an arithmetic scalar");
        binding<Name, T> b;
        if constexpr (std::is_lvalue_reference_v<V>) b.ref = &v;
        else b.owned = std::move(v);
        return b;
    }
}

template <fixed_string Name, dim R, dim C>
template <class V>
constexpr auto symbol<Name, R, C>::operator=(V&& v) const {
    return bind(*this, std::forward<V>(v));
}

// Instantiated when eval is missing a value for a symbol, so that the compiler's
// message names it: no_value_bound_for_symbol<'W', '1'>. The name is spelled out
// as characters because clang prints a fixed_string as its character codes.
template <char... Symbol>
struct no_value_bound_for_symbol {
    static_assert(sizeof...(Symbol) == std::size_t(-1),
                  "typegrad: eval: a symbol of the expression has no value; its name is spelled out in "
                  "no_value_bound_for_symbol<...>");
};

namespace detail {
template <fixed_string Name, std::size_t... I>
constexpr void report_unbound(std::index_sequence<I...>) {
    (void)sizeof(no_value_bound_for_symbol<Name.chars[I]...>);
}
} // namespace detail

template <class... B>
struct values {
    std::tuple<B...> bindings;

    explicit values(B... b) : bindings(std::move(b)...) {}

    // The binding of symbol `Name`; a compile error naming it when there is none.
    template <fixed_string Name>
    const auto& get() const {
        constexpr std::size_t i = find<Name>();
        if constexpr (i == sizeof...(B)) {
            detail::report_unbound<Name>(std::make_index_sequence<Name.size()>{});
            return std::get<0>(bindings).get();
        } else {
            return std::get<i>(bindings).get();
        }
    }

    template <fixed_string Name>
    static constexpr std::size_t find() {
        constexpr std::array<std::string_view, sizeof...(B)> names = {B::name.view()...};
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == Name.view()) return i;
        return sizeof...(B);
    }
};

template <class... B>
values(B...) -> values<B...>;

// The scalar type of a set of values; all bindings must agree.
template <class V>
struct value_type_of_values;
template <class B0, class... B>
struct value_type_of_values<values<B0, B...>> {
    using type = typename B0::value_type;
    static_assert((std::is_same_v<type, typename B::value_type> && ...),
                  "typegrad: values(...) requires every bound value to have the same scalar type (float or double)");
};

} // namespace typegrad
