// SPDX-License-Identifier: MIT
// Binding values to symbols: tg::values(W1 = w1, x = X, ...). Containers bound as
// lvalues are referenced, not copied, so a training loop can update them in place
// and run again; temporaries and scalars are stored.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>
#include <type_traits>
#include <utility>

#include <xtensor/xtensor.hpp>

#include <typegrad/expr/distinct_symbols.hpp>
#include <typegrad/expr/node.hpp>

namespace typegrad {

// What a binding holds: the caller's tensor by reference (`ref`), or its own.
template <class T>
struct bound_tensor {
    const xt::xtensor<T, 2>* ref = nullptr;
    xt::xtensor<T, 2> owned;

    const xt::xtensor<T, 2>& get() const { return ref ? *ref : owned; }
};

// A tensor bound to Symbol.
template <class Symbol, class T>
struct binding : bound_tensor<T> {
    using symbol = Symbol;
    static constexpr auto name = Symbol::name;
    using value_type = T;
};

// A plain number bound to Symbol (lam = 1e-4): values(...) stores it as a 1×1 tensor
// of the scalar type its tensors have, so it fits float and double programs alike.
template <class Symbol, class N>
struct number_binding {
    using symbol = Symbol;
    static constexpr auto name = Symbol::name;
    N value;
};

// Instantiated for a tensor whose elements are not float or double, naming the symbol:
// value_type_is_not_floating<spelled<'W'>, int>.
template <class Name, class T>
struct value_type_is_not_floating {
    static_assert(sizeof(Name) == 0,
                  "typegrad: values(...) binds a tensor whose elements are not float or double (the symbol and "
                  "the type are in value_type_is_not_floating<spelled<name>, type>); typegrad computes in float "
                  "or double: bind xt::xtensor<double, 2>(xt::cast<double>(t))");
};

template <fixed_string Name, dim R, dim C, class V>
constexpr auto bind(symbol<Name, R, C>, V&& v) {
    using S = symbol<Name, R, C>;
    using D = std::remove_cvref_t<V>;
    if constexpr (std::is_arithmetic<D>::value) {
        return number_binding<S, D>{v};
    } else {
        using T = typename D::value_type;
        static_assert(std::is_same<D, xt::xtensor<T, 2>>::value,
                      "typegrad: bind(symbol, value) requires an xt::xtensor<T, 2> or an arithmetic scalar");
        if constexpr (!std::is_floating_point_v<T>) {
            (void)sizeof(value_type_is_not_floating<spelled_name<Name>, T>);
            return binding<S, double>{}; // so that the one message above is the only one
        } else {
            binding<S, T> b;
            if constexpr (std::is_lvalue_reference_v<V>) b.ref = &v;
            else b.owned = std::move(v);
            return b;
        }
    }
}

template <fixed_string Name, dim R, dim C>
template <class V>
constexpr auto symbol<Name, R, C>::operator=(V&& v) const {
    return bind(*this, std::forward<V>(v));
}

// Instantiated for values(W = a, W = b), naming the symbol: symbol_bound_twice<spelled<'W'>>.
template <class Name>
struct symbol_bound_twice {
    static_assert(sizeof(Name) == 0, "typegrad: values(...) binds one symbol twice (its name is spelled out in "
                                     "symbol_bound_twice<spelled<name>>); bind each symbol once");
};

// Instantiated for tensors of different scalar types in one values(...), naming the
// binding that differs from the first tensor: bound_value_type_differs<spelled<'b'>, float, double>.
template <class Name, class Bound, class Expected>
struct bound_value_type_differs {
    static_assert(sizeof(Name) == 0,
                  "typegrad: values(...) binds tensors of different scalar types (the symbol that differs, its "
                  "type and the first tensor's type are in bound_value_type_differs<spelled<name>, type, "
                  "expected>); bind every tensor as float or every tensor as double (plain numbers convert)");
};

namespace detail {

template <class B>
constexpr bool is_number_binding_v = false;
template <class S, class N>
constexpr bool is_number_binding_v<number_binding<S, N>> = true;

// The scalar type of values(...): its first tensor's; double when only numbers are bound.
template <class... B>
struct scalar_type_of_bindings {
    using type = double;
};
template <class B0, class... B>
struct scalar_type_of_bindings<B0, B...> {
    using type = typename B0::value_type;
};
template <class S, class N, class... B>
struct scalar_type_of_bindings<number_binding<S, N>, B...> : scalar_type_of_bindings<B...> {};

template <class B, class T>
struct resolved {
    using type = B;
};
template <class S, class N, class T>
struct resolved<number_binding<S, N>, T> {
    using type = binding<S, T>;
};

// A bound tensor as values(...) stores it: a plain number becomes a 1×1 tensor of
// the tensors' scalar type; a tensor binding is passed on as it is.
template <class B, class Raw>
decltype(auto) resolve(Raw&& raw) {
    if constexpr (is_number_binding_v<std::remove_cvref_t<Raw>>) {
        bound_tensor<typename B::value_type> b;
        b.owned = xt::xtensor<typename B::value_type, 2>({1, 1}, static_cast<typename B::value_type>(raw.value));
        return b;
    } else {
        return std::forward<Raw>(raw);
    }
}

// Moves a bound tensor into its slot. One function for every binding, not inlined:
// values(...) of a deep network binds a hundred tensors, and the same move inlined a
// hundred times into one constructor cost more compile time than the calls cost at
// run time (one per binding, once per values(...)).
template <class T>
[[gnu::noinline]] void store(bound_tensor<T>& slot, bound_tensor<T>&& b) {
    slot = std::move(b);
}

// Every name bound once, every tensor of one scalar type; else a diagnostic naming it.
template <class... B>
constexpr void check_bindings() {
    constexpr std::array<symbol_key, sizeof...(B)> keys = {symbol_key_of<typename B::symbol>::value...};
    constexpr clash twice = [&] {
        for (std::size_t i = 0; i < keys.size(); ++i)
            for (std::size_t j = i + 1; j < keys.size(); ++j)
                if (keys[i].name == keys[j].name) return clash{i, j, true};
        return clash{};
    }();
    if constexpr (twice.found) {
        using first = typename meta::at<meta::type_list<B...>, twice.first>::symbol;
        using second = typename meta::at<meta::type_list<B...>, twice.second>::symbol;
        if constexpr (std::is_same<first, second>::value) (void)sizeof(symbol_bound_twice<spelled_name<first::name>>);
        else (void)sizeof(symbol_declared_twice<spelled_name<first::name>, first, second>);
    }
    using T = typename scalar_type_of_bindings<B...>::type;
    constexpr std::array<bool, sizeof...(B)> differs = {!std::is_same<typename B::value_type, T>::value...};
    constexpr std::size_t first_differing = [&] {
        for (std::size_t i = 0; i < differs.size(); ++i)
            if (differs[i]) return i;
        return differs.size();
    }();
    if constexpr (first_differing < sizeof...(B)) {
        using bad = meta::at<meta::type_list<B...>, first_differing>;
        (void)sizeof(bound_value_type_differs<spelled_name<bad::name>, typename bad::value_type, T>);
    }
}

} // namespace detail

// Instantiated when eval is missing a value for a symbol, so that the compiler's
// message names it: no_value_bound_for_symbol<'W', '1'>. The name is spelled out as
// characters because clang prints a fixed_string as its character codes.
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

// Tensors (and plain numbers, as 1×1 tensors) bound to symbols by name.
template <class... B>
struct values {
    static_assert(sizeof...(B) > 0, "typegrad: values(...) requires at least one binding, e.g. values(x = X)");
    using value_type = typename detail::scalar_type_of_bindings<B...>::type;

    // The bound tensors in the order of B...: the symbols live in the type, the tensors
    // in one array. (A std::tuple<B...> nests one type per binding, each spelling the
    // bindings after it: symbols whose total length grew with the square of a
    // network's depth, 3.3 of the 5.2 MB of names in a 40-layer gradient's unit.)
    std::array<bound_tensor<value_type>, sizeof...(B)> slots;

    template <class... Raw>
        requires(sizeof...(Raw) == sizeof...(B) && !(std::is_same<Raw, values>::value || ...))
    explicit values(Raw... raw) {
        detail::check_bindings<B...>(); // names a clash or a mixed scalar type; then nothing below compiles
        if constexpr ((std::is_same<typename B::value_type, value_type>::value && ...)) {
            std::size_t i = 0;
            (detail::store<value_type>(slots[i++], detail::resolve<B>(std::move(raw))), ...);
        }
    }

    // The slot of symbol `Name`; a compile error naming it when there is none.
    // (consteval: a compile-time lookup, never a function in the object file.)
    template <fixed_string Name>
    static consteval std::size_t slot_of() {
        constexpr std::size_t i = find<Name>();
        if constexpr (i == sizeof...(B)) {
            detail::report_unbound<Name>(std::make_index_sequence<Name.size()>{});
            return 0;
        } else {
            return i;
        }
    }

    // The tensor bound to symbol `Name`.
    template <fixed_string Name>
    const xt::xtensor<value_type, 2>& get() const {
        return slots[slot_of<Name>()].get();
    }

    template <fixed_string Name>
    static constexpr std::size_t find() {
        constexpr std::array<std::string_view, sizeof...(B)> names = {B::name.view()...};
        for (std::size_t i = 0; i < names.size(); ++i)
            if (names[i] == Name.view()) return i;
        return sizeof...(B);
    }
};

// A plain number takes the scalar type of the tensors beside it.
template <class... Raw>
values(Raw...) -> values<typename detail::resolved<Raw, typename detail::scalar_type_of_bindings<Raw...>::type>::type...>;

// The scalar type of a set of values (values(...) checks that all tensors agree).
template <class V>
struct value_type_of_values {
    using type = typename V::value_type;
};

} // namespace typegrad
