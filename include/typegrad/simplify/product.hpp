// SPDX-License-Identifier: MIT
// The normal form of a product of quotients. Flattened into numerator and
// denominator factors (a labelled node is a named quantity and stays whole),
//   - its literal factors gather into one coefficient in front:
//         1 / m ⊙ 2 ⊙ (a3 − y)  →  2 / m ⊙ (a3 − y),  and 2 / 4 ⊙ x → 1/2 ⊙ x;
//   - a factor in a numerator and in a denominator cancels. That is what turns the
//     chain rule for sigmoid + binary cross-entropy,
//         ((a − y) / (a ⊙ (1 − a)) / m) ⊙ (a ⊙ (1 − a)),
//     into the seed's δ = (a − y) / m without a rule that knows either op.
// Generic in the ops it builds (ops/arithmetic.hpp passes its own as `Ops`), so
// this folder depends on expr/ and the op contract only.
#pragma once

#include <type_traits>

#include <typegrad/expr/type_list.hpp>
#include <typegrad/simplify/constants.hpp>
#include <typegrad/simplify/order.hpp>

namespace typegrad::detail {

using meta::concat_t;
using meta::type_list;

// Numerator and denominator factors of an (unlabeled) product of quotients.
template <class Mul, class Div, class E>
struct factors {
    using num = type_list<E>;
    using den = type_list<>;
};
template <class Mul, class Div, class A, class B>
struct factors<Mul, Div, expr<Mul, no_label, A, B>> {
    using num = concat_t<typename factors<Mul, Div, A>::num, typename factors<Mul, Div, B>::num>;
    using den = concat_t<typename factors<Mul, Div, A>::den, typename factors<Mul, Div, B>::den>;
};
template <class Mul, class Div, class A, class B>
struct factors<Mul, Div, expr<Div, no_label, A, B>> {
    using num = concat_t<typename factors<Mul, Div, A>::num, typename factors<Mul, Div, B>::den>;
    using den = concat_t<typename factors<Mul, Div, A>::den, typename factors<Mul, Div, B>::num>;
};

// The literal factors of a list multiplied into one rational, and the rest.
// Values sit in bases keyed by the values alone (literal_factors, cancelled_pairs):
// GCC names every static member it instantiates, and one here would be named after
// the list, a spelling of several subgraphs (issue 15).
template <std::size_t Count, long long Num, long long Den>
struct literal_factors {
    static constexpr std::size_t count = Count;
    static constexpr long long num = Num;
    static constexpr long long den = Den;
};

template <class List>
struct split_literals;
template <class... T>
struct split_literals<type_list<T...>>
    : literal_factors<(std::size_t{0} + ... + std::size_t(is_literal<T>::value)), (1LL * ... * literal_or<T, literal<1>>::num),
                      (1LL * ... * literal_or<T, literal<1>>::den)> {
    using rest = concat_t<type_list<>, std::conditional_t<is_literal<T>::value, type_list<>, type_list<T>>...>;
    using all = type_list<T...>;
};

template <int Count>
struct cancelled_pairs {
    static constexpr int count = Count;
};

// Cancels common factors; `count` is how many pairs cancelled.
template <class Num, class Den, class Kept = type_list<>>
struct cancel;
template <class Den, class... Kept>
struct cancel<type_list<>, Den, type_list<Kept...>> : cancelled_pairs<0> {
    using num = type_list<Kept...>;
    using den = Den;
};
// One pair more than Next.
template <class Next>
struct cancelled_one_more : cancelled_pairs<Next::count + 1> {
    using num = typename Next::num;
    using den = typename Next::den;
};
// H cancels against a factor of Den (Removal found it there) or is kept.
template <class Removal, class H, class Rest, class Den, class Kept>
struct cancel_step;
template <class Removal, class H, class... Rest, class Den, class... Kept>
struct cancel_step<Removal, H, type_list<Rest...>, Den, type_list<Kept...>>
    : std::conditional_t<Removal::found, cancelled_one_more<cancel<type_list<Rest...>, typename Removal::type, type_list<Kept...>>>,
                         cancel<type_list<Rest...>, Den, type_list<Kept..., H>>> {};
template <class H, class... Rest, class Den, class... Kept>
struct cancel<type_list<H, Rest...>, Den, type_list<Kept...>>
    : cancel_step<meta::remove_first<Den, H>, H, type_list<Rest...>, Den, type_list<Kept...>> {};

// a ⊙ b with the operands in canonical order, built without further rewriting.
template <class Mul, class A, class B>
using ordered_product = std::conditional_t<goes_before<B, A>::value, expr<Mul, no_label, B, A>, expr<Mul, no_label, A, B>>;

// Left-folded product of a list (1 when empty).
template <class Mul, class List>
struct product;
template <class Mul>
struct product<Mul, type_list<>> {
    using type = literal<1>;
};
template <class Mul, class H>
struct product<Mul, type_list<H>> {
    using type = H;
};
template <class Mul, class A, class B, class... Rest>
struct product<Mul, type_list<A, B, Rest...>> {
    using type = typename product<Mul, type_list<ordered_product<Mul, A, B>, Rest...>>::type;
};

// The product q ⊙ ΠN / ΠD (q = n/d) in normal form: q ΠN when nothing divides,
// ΠN / (d ⊙ ΠD) when n is 1, and otherwise the coefficient first,
// (n / (d ⊙ ΠD)) ⊙ ΠN, as in 2 / m ⊙ (a3 − y). A coefficient of −1 is a negation;
// any other sign stays in the coefficient: −2 ⊙ x, −2 / m.
template <class Ops, class Q, class N, class D>
struct product_form {
    using mul = typename Ops::mul;
    using div = typename Ops::div;
    using pn = typename product<mul, N>::type;
    using pd = typename product<mul, D>::type;
    using scaled_den = std::conditional_t<Q::den == 1, pd, ordered_product<mul, literal<Q::den>, pd>>;
    using coefficient = expr<div, no_label, literal<Q::num>, scaled_den>;
    using over_nothing = std::conditional_t<N::size == 0, Q, std::conditional_t<Q::num == 1 && Q::den == 1, pn, expr<mul, no_label, Q, pn>>>;
    using over_something = std::conditional_t<Q::num == 1, expr<div, no_label, pn, scaled_den>,
                                              std::conditional_t<N::size == 0, coefficient, expr<mul, no_label, coefficient, pn>>>;
    using type = std::conditional_t<D::size == 0, over_nothing, over_something>;
};
template <class Ops, class N, class D>
    requires(N::size + D::size > 0)
struct product_form<Ops, literal<-1>, N, D> {
    using type = expr<typename Ops::neg, no_label, typename product_form<Ops, literal<1>, N, D>::type>;
};

// The first factor with E's static shape (void if none): when a cancelled factor
// was the one that set the shape, the result is broadcast back to it.
template <class E, class List>
struct shape_witness {
    using type = void;
};
template <class E, class H, class... T>
struct shape_witness<E, type_list<H, T...>> {
    using type = std::conditional_t<static_dims{H::rows, H::cols} == static_dims{E::rows, E::cols}, H, typename shape_witness<E, type_list<T...>>::type>;
};

constexpr bool broadcasts_to(static_dims a, static_dims b) {
    return (a.rows == b.rows || a.rows == 1) && (a.cols == b.cols || a.cols == 1);
}

// E is already a coefficient times the rest: c ⊙ X, c / X or (c / D) ⊙ X.
template <class Ops, class E>
struct coefficient_first : std::false_type {};
template <class Ops, class Op, class C, class X>
struct coefficient_first<Ops, expr<Op, no_label, C, X>>
    : std::bool_constant<is_literal<C>::value || (std::is_same<Op, typename Ops::mul>::value && node_key<C>::value.rank == 0)> {};

// The normal form of the product or quotient E (scaled by Sign), or void when E
// already is one. Where cancelled factors carried E's shape, the result is
// expanded back to it, so the value is unchanged (and so is what a broadcast's
// adjoint sums over). Most products built are already normal: the rebuild is
// instantiated only when something changes.
template <class Ops, class E, class Num, class Den, class Cancelled, int Sign>
struct rebuilt_product {
    using q = rational<Sign * Num::num * Den::den, Num::den * Den::num>;
    using candidate = typename product_form<Ops, q, typename Cancelled::num, typename Cancelled::den>::type;
    using witness = typename shape_witness<E, concat_t<typename Num::all, typename Den::all>>::type;
    using type = std::conditional_t<
        static_dims{candidate::rows, candidate::cols} == static_dims{E::rows, E::cols}, candidate,
        std::conditional_t<!std::is_void<witness>::value &&
                               broadcasts_to({candidate::rows, candidate::cols}, {E::rows, E::cols}),
                           expr<typename Ops::expand, no_label, candidate, witness>, void>>;
};

// How many literal factors a product has, in a base keyed by the count (see split_literals).
template <std::size_t Count>
struct literal_count {
    static constexpr std::size_t literals = Count;
};

// Whether rebuilding a product changes it: a sign to take in, a cancelled pair,
// literals to gather, or one literal not yet in front.
constexpr bool rebuild_changes(int sign, int cancelled, std::size_t literals, bool coefficient_first) {
    return sign < 0 || cancelled > 0 || literals > 1 || (literals == 1 && !coefficient_first);
}

template <class Ops, class E, int Sign = 1, class F = factors<typename Ops::mul, typename Ops::div, E>,
          class Num = split_literals<typename F::num>, class Den = split_literals<typename F::den>,
          class Cancelled = cancel<typename Num::rest, typename Den::rest>>
struct normal_product : literal_count<Num::count + Den::count> {
    using type = typename std::conditional_t<rebuild_changes(Sign, Cancelled::count, Num::count + Den::count,
                                                             coefficient_first<Ops, E>::value),
                                             rebuilt_product<Ops, E, Num, Den, Cancelled, Sign>, std::type_identity<void>>::type;
};

} // namespace typegrad::detail
