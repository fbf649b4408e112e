// SPDX-License-Identifier: MIT
// A general rewrite rule: in a product of quotients, a factor that appears in a
// numerator and in a denominator cancels. It is what turns the chain rule for
// sigmoid + binary cross-entropy,
//     ((a − y) / (a ⊙ (1 − a)) / m) ⊙ (a ⊙ (1 − a)),
// into the seed's δ = (a − y) / m without a rule that knows either op.
#pragma once

#include <typegrad/expr/node.hpp>
#include <typegrad/expr/type_list.hpp>

namespace typegrad {

struct mul_op;
struct div_op;
struct expand_op;

namespace detail {

using meta::concat_t;
using meta::type_list;

// Numerator and denominator factors of an (unlabeled) product of quotients. A
// labelled node is a named quantity and stays whole.
template <class E>
struct factors {
    using num = type_list<E>;
    using den = type_list<>;
};
template <class A, class B>
struct factors<expr<mul_op, no_label, A, B>> {
    using num = concat_t<typename factors<A>::num, typename factors<B>::num>;
    using den = concat_t<typename factors<A>::den, typename factors<B>::den>;
};
template <class A, class B>
struct factors<expr<div_op, no_label, A, B>> {
    using num = concat_t<typename factors<A>::num, typename factors<B>::den>;
    using den = concat_t<typename factors<A>::den, typename factors<B>::num>;
};

// Removes the first occurrence of T from a list; `found` says whether it was there.
template <class List, class T, class Done = type_list<>>
struct remove_one;
template <class T, class... Done>
struct remove_one<type_list<>, T, type_list<Done...>> {
    static constexpr bool found = false;
    using type = type_list<Done...>;
};
template <class H, class... Rest, class T, class... Done>
struct remove_one<type_list<H, Rest...>, T, type_list<Done...>> {
    using next = remove_one<type_list<Rest...>, T, type_list<Done..., H>>;
    static constexpr bool found = std::is_same_v<H, T> || next::found;
    using type = std::conditional_t<std::is_same_v<H, T>, type_list<Done..., Rest...>, typename next::type>;
};

// Cancels common factors; `count` is how many pairs cancelled.
template <class Num, class Den, class Kept = type_list<>>
struct cancel;
template <class Den, class... Kept>
struct cancel<type_list<>, Den, type_list<Kept...>> {
    using num = type_list<Kept...>;
    using den = Den;
    static constexpr int count = 0;
};
template <class H, class... Rest, class Den, class... Kept>
struct cancel<type_list<H, Rest...>, Den, type_list<Kept...>> {
    using removal = remove_one<Den, H>;
    using next = std::conditional_t<removal::found, cancel<type_list<Rest...>, typename removal::type, type_list<Kept...>>,
                                    cancel<type_list<Rest...>, Den, type_list<Kept..., H>>>;
    using num = typename next::num;
    using den = typename next::den;
    static constexpr int count = next::count + (removal::found ? 1 : 0);
};

// Left-folded product, built without further rewriting.
template <class List>
struct product;
template <>
struct product<type_list<>> {
    using type = literal<1>;
};
template <class H>
struct product<type_list<H>> {
    using type = H;
};
template <class A, class B, class... Rest>
struct product<type_list<A, B, Rest...>> {
    using type = typename product<type_list<expr<mul_op, no_label, A, B>, Rest...>>::type;
};

template <class Num, class Den>
struct quotient {
    using type = expr<div_op, no_label, typename product<Num>::type, typename product<Den>::type>;
};
template <class Num>
struct quotient<Num, type_list<>> {
    using type = typename product<Num>::type;
};

// The first factor with E's static shape (void if none): when a cancelled factor
// was the one that set the shape, the result is broadcast back to it.
template <class E, class List>
struct shape_witness {
    using type = void;
};
template <class E, class H, class... T>
struct shape_witness<E, type_list<H, T...>> {
    using type = std::conditional_t<shape_of<H> == shape_of<E>, H, typename shape_witness<E, type_list<T...>>::type>;
};

template <class A, class B>
constexpr bool broadcasts_to() {
    return (A::rows == B::rows || A::rows == 1) && (A::cols == B::cols || A::cols == 1);
}

// The cancelled form of E, or void when nothing cancels. Where the cancelled
// factors carried E's shape, the result is expanded back to it, so the value is
// unchanged (and so is what a broadcast's adjoint sums over).
template <class E>
struct cancelled {
    using f = factors<E>;
    using c = cancel<typename f::num, typename f::den>;
    using candidate = typename quotient<typename c::num, typename c::den>::type;
    using witness = typename shape_witness<E, concat_t<typename f::num, typename f::den>>::type;
    static constexpr bool same_shape = shape_of<candidate> == shape_of<E>;
    static constexpr bool can_expand = !std::is_void_v<witness> && broadcasts_to<candidate, E>();
    using type = std::conditional_t<c::count == 0 || !(same_shape || can_expand), void,
                                    std::conditional_t<same_shape, candidate, expr<expand_op, no_label, candidate, witness>>>;
};

} // namespace detail
} // namespace typegrad
