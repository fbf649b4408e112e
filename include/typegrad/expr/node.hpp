// SPDX-License-Identifier: MIT
// Graph nodes are empty types. A symbol, a literal or an operation applied to
// operands: the whole structure of a network lives in the type, so `grad` can
// derive its backward pass before the program runs.
#pragma once

#include <concepts>
#include <cstddef>
#include <numeric>
#include <string_view>
#include <type_traits>

#include <typegrad/expr/fixed_string.hpp>
#include <typegrad/expr/type_list.hpp>

namespace typegrad {

// A static dimension: a number, or `dyn` when only the bound value knows it.
// A dimension broadcasts only where it is statically 1, so every broadcast is
// visible in the type and its adjoint (a sum) is part of the derived graph.
using dim = std::ptrdiff_t;
inline constexpr dim dyn = -1;

struct no_label {};
template <fixed_string Name>
struct label {
    static constexpr auto name = Name;
};

// A named input: x, y, W1, ... with optional static dimensions.
template <fixed_string Name, dim Rows = dyn, dim Cols = dyn>
struct symbol {
    static_assert(Rows == dyn || Rows > 0, "typegrad: var<name, rows, cols>: rows must be positive or dyn");
    static_assert(Cols == dyn || Cols > 0, "typegrad: var<name, rows, cols>: cols must be positive or dyn");
    static constexpr auto name = Name;
    static constexpr dim rows = Rows;
    static constexpr dim cols = Cols;

    // W1 = w1 binds a value to the symbol (see exec/values.hpp).
    template <class V>
    constexpr auto operator=(V&& v) const;
};

// An exact rational constant, 1×1, broadcast against anything.
template <long long Num, long long Den = 1>
struct literal {
    static_assert(Den != 0, "typegrad: literal with zero denominator");
    static constexpr long long gcd_ = std::gcd(Num, Den) == 0 ? 1 : std::gcd(Num, Den);
    static constexpr long long num = (Den < 0 ? -Num : Num) / gcd_;
    static constexpr long long den = (Den < 0 ? -Den : Den) / gcd_;
    static constexpr dim rows = 1;
    static constexpr dim cols = 1;
    template <class T>
    static constexpr T value() { return T(num) / T(den); }
};

// The literal num/den in lowest terms with a positive denominator, so that equal
// constants are one type.
template <long long Num, long long Den = 1>
using rational = literal<literal<Num, Den>::num, literal<Num, Den>::den>;

// A static shape.
struct static_dims {
    dim rows;
    dim cols;
    constexpr bool operator==(const static_dims&) const = default;
};

namespace detail {
// A node's static shape as members of a base keyed by the shape alone: GCC names
// every static member it instantiates, and a member of expr<...> would be named
// after the node's whole subgraph, one per node (issue 15). These are one per shape.
template <static_dims S>
struct shaped {
    static constexpr static_dims shape = S;
    static constexpr dim rows = S.rows;
    static constexpr dim cols = S.cols;
};
} // namespace detail

// An operation applied to operands. `Op` carries the forward rule, the
// vector-Jacobian product, the shape rule and the printed form.
template <class Op, class Label, class... Args>
struct expr : detail::shaped<Op::template static_shape<Args...>()> {
    using op = Op;
    using label_type = Label;
    using operands = meta::type_list<Args...>;
};

template <class T>
struct is_node : std::false_type {};
template <fixed_string N, dim R, dim C>
struct is_node<symbol<N, R, C>> : std::true_type {};
template <long long N, long long D>
struct is_node<literal<N, D>> : std::true_type {};
template <class Op, class L, class... A>
struct is_node<expr<Op, L, A...>> : std::true_type {};

template <class T>
concept node = is_node<std::remove_cvref_t<T>>::value;

template <class T>
struct is_symbol : std::false_type {};
template <fixed_string N, dim R, dim C>
struct is_symbol<symbol<N, R, C>> : std::true_type {};
template <class T>
struct is_literal : std::false_type {};
template <long long N, long long D>
struct is_literal<literal<N, D>> : std::true_type {};
template <class T, class Op>
struct is_op : std::false_type {};
template <class Op, class L, class... A>
struct is_op<expr<Op, L, A...>, Op> : std::true_type {};

template <class T, long long N, long long D = 1>
struct is_literal_value : std::false_type {};
template <long long N, long long D, long long N2, long long D2>
struct is_literal_value<literal<N2, D2>, N, D>
    : std::bool_constant<literal<N2, D2>::num == literal<N, D>::num && literal<N2, D2>::den == literal<N, D>::den> {};

namespace detail {
// Values kept in bases keyed by the value alone, so that a per-node class derived from
// one gets no static member of its own (GCC names a static member after its class,
// and a node's class spells its subgraph; issue 15).

// A name's text (a symbol's or a label's), or none.
template <fixed_string Name>
struct name_text {
    static constexpr std::string_view value = Name.view();
};
struct no_name_text {
    static constexpr std::string_view value{};
};

// T's num and den when T is a literal, Otherwise's when it is not.
template <class T, class Otherwise>
struct literal_or : Otherwise {};
template <long long N, long long D, class Otherwise>
struct literal_or<literal<N, D>, Otherwise> : literal<N, D> {};
} // namespace detail

// Operands of a node, as values.
template <class T>
struct operands_of {
    using type = meta::type_list<>;
};
template <class Op, class L, class... A>
struct operands_of<expr<Op, L, A...>> {
    using type = meta::type_list<A...>;
};
template <class T>
using operands_t = typename operands_of<T>::type;

template <std::size_t I, class Op, class L, class... A>
constexpr auto operand(expr<Op, L, A...>) {
    return meta::at<meta::type_list<A...>, I>{};
}

template <class T>
struct has_label : std::false_type {};
template <class Op, fixed_string N, class... A>
struct has_label<expr<Op, label<N>, A...>> : std::true_type {};

// The node with its label removed (labels never change values).
template <class T>
struct unlabeled {
    using type = T;
};
template <class Op, class L, class... A>
struct unlabeled<expr<Op, L, A...>> {
    using type = expr<Op, no_label, A...>;
};

// Static shapes.
template <class T>
inline constexpr static_dims shape_of = {T::rows, T::cols};

template <class T>
struct is_scalar : std::bool_constant<T::rows == 1 && T::cols == 1> {};

} // namespace typegrad
