// SPDX-License-Identifier: MIT
// The rewrite rules of + − ⊙ / and negation: identities, constant folding, the
// canonical order of commutative operands, and the normal form of products
// (simplify/product.hpp). They run every time one of these nodes is built
// (through make), so every expression, written or derived, is in one form:
// equal maths written two ways is one type, hence one node.
// Generic in the ops (`Ops` names add, sub, mul, div, neg and expand), so that
// the rules depend on the op contract only, not on the ops' headers.
//
// Each rule is a class template whose cases are partial specialisations, picked by
// the first condition that holds (first_case): only the chosen case is instantiated,
// as with `if constexpr`, and no rule is a function. GCC names every function it
// instantiates after its arguments, whole subgraphs here, and a rule runs for every
// node built (issue 15).
#pragma once

#include <initializer_list>
#include <type_traits>

#include <typegrad/ops/op_base.hpp>
#include <typegrad/simplify/constants.hpp>
#include <typegrad/simplify/order.hpp>
#include <typegrad/simplify/product.hpp>

namespace typegrad::detail {

// The index of the first condition that holds; their count when none does.
constexpr int first_case(std::initializer_list<bool> holds) {
    int i = 0;
    for (bool h : holds) {
        if (h) return i;
        ++i;
    }
    return i;
}

// −a, and the a it negates.
template <class Neg, class T>
struct is_negation : std::false_type {};
template <class Neg, class A>
struct is_negation<Neg, expr<Neg, no_label, A>> : std::true_type {
    using negated = A;
};
template <class Neg, class T>
using negated_t = typename is_negation<Neg, T>::negated;

template <class Ops, class T>
struct is_product : std::bool_constant<is_op<T, typename Ops::mul>::value || is_op<T, typename Ops::div>::value> {};

// The normal form of the product E (simplify/product.hpp), or E when it already is one.
template <class Ops, class E, class Normal = typename normal_product<Ops, E>::type>
using normal_or = std::conditional_t<std::is_void<Normal>::value, E, Normal>;

// −E for a product E: a literal coefficient takes the sign, −(2 ⊙ a) = −2 ⊙ a.
template <class Ops, class E, bool Coefficient = (normal_product<Ops, E>::literals > 0)>
struct negated_product : std::type_identity<expr<typename Ops::neg, no_label, E>> {};
template <class Ops, class E>
struct negated_product<Ops, E, true> : std::type_identity<normal_or<Ops, expr<typename Ops::neg, no_label, E>, typename normal_product<Ops, E, -1>::type>> {};

// --- −a -------------------------------------------------------------------------
template <class Ops, class A,
          int Case = first_case({is_literal<A>::value, is_negation<typename Ops::neg, A>::value,
                                 is_op<A, typename Ops::sub>::value && !has_label<A>::value,
                                 is_product<Ops, A>::value && !has_label<A>::value})>
struct negation_rule {
    using type = expr<typename Ops::neg, no_label, A>;
};
// −c folds
template <class Ops, class A>
struct negation_rule<Ops, A, 0> : std::type_identity<rational<-A::num, A::den>> {};
// −(−a) = a
template <class Ops, class A>
struct negation_rule<Ops, A, 1> : std::type_identity<negated_t<typename Ops::neg, A>> {};
// −(a − b) = b − a
template <class Ops, class A>
struct negation_rule<Ops, A, 2> : std::type_identity<made<typename Ops::sub, meta::at<operands_t<A>, 1>, meta::at<operands_t<A>, 0>>> {};
// −(2 ⊙ a) = −2 ⊙ a
template <class Ops, class A>
struct negation_rule<Ops, A, 3> : std::type_identity<typename negated_product<Ops, A>::type> {};

// --- a + b ----------------------------------------------------------------------
template <class Ops, class A, class B,
          int Case = first_case({is_literal<A>::value && is_literal<B>::value, is_zero<A>::value, is_zero<B>::value,
                                 is_negation<typename Ops::neg, B>::value, is_negation<typename Ops::neg, A>::value,
                                 std::is_same<A, B>::value, goes_before<B, A>::value})>
struct sum_rule {
    using type = expr<typename Ops::add, no_label, A, B>;
};
template <class Ops, class A, class B>
struct sum_rule<Ops, A, B, 0> : std::type_identity<lit_sum<A, B>> {};
// 0 + b = b
template <class Ops, class A, class B>
struct sum_rule<Ops, A, B, 1> : std::type_identity<B> {};
// a + 0 = a
template <class Ops, class A, class B>
struct sum_rule<Ops, A, B, 2> : std::type_identity<A> {};
// a + (−b) = a − b
template <class Ops, class A, class B>
struct sum_rule<Ops, A, B, 3> : std::type_identity<made<typename Ops::sub, A, negated_t<typename Ops::neg, B>>> {};
// (−a) + b = b − a
template <class Ops, class A, class B>
struct sum_rule<Ops, A, B, 4> : std::type_identity<made<typename Ops::sub, B, negated_t<typename Ops::neg, A>>> {};
// a + a = 2a
template <class Ops, class A, class B>
struct sum_rule<Ops, A, B, 5> : std::type_identity<made<typename Ops::mul, literal<2>, A>> {};
// b + a = a + b
template <class Ops, class A, class B>
struct sum_rule<Ops, A, B, 6> : std::type_identity<expr<typename Ops::add, no_label, B, A>> {};

// --- a − b ----------------------------------------------------------------------
template <class Ops, class A, class B,
          int Case = first_case({is_literal<A>::value && is_literal<B>::value, is_zero<B>::value, is_zero<A>::value,
                                 is_negation<typename Ops::neg, B>::value,
                                 std::is_same<A, B>::value && is_scalar<A>::value})>
struct difference_rule {
    using type = expr<typename Ops::sub, no_label, A, B>;
};
template <class Ops, class A, class B>
struct difference_rule<Ops, A, B, 0> : std::type_identity<lit_diff<A, B>> {};
// a − 0 = a
template <class Ops, class A, class B>
struct difference_rule<Ops, A, B, 1> : std::type_identity<A> {};
// 0 − b = −b
template <class Ops, class A, class B>
struct difference_rule<Ops, A, B, 2> : std::type_identity<made<typename Ops::neg, B>> {};
// a − (−b) = a + b
template <class Ops, class A, class B>
struct difference_rule<Ops, A, B, 3> : std::type_identity<made<typename Ops::add, A, negated_t<typename Ops::neg, B>>> {};
// a − a = 0
template <class Ops, class A, class B>
struct difference_rule<Ops, A, B, 4> : std::type_identity<literal<0>> {};

// --- a ⊙ b ----------------------------------------------------------------------
template <class Ops, class A, class B,
          int Case = first_case({is_literal<A>::value && is_literal<B>::value, is_zero<A>::value || is_zero<B>::value,
                                 is_one<A>::value, is_one<B>::value, is_literal_value<A, -1>::value,
                                 is_literal_value<B, -1>::value, is_negation<typename Ops::neg, A>::value,
                                 is_negation<typename Ops::neg, B>::value})>
struct product_rule { // folds, cancels, orders
    using type = normal_or<Ops, ordered_product<typename Ops::mul, A, B>>;
};
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 0> : std::type_identity<lit_prod<A, B>> {};
// Zero absorbs whatever the shape: a zero adjoint sums or broadcasts to zero.
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 1> : std::type_identity<literal<0>> {};
// 1 ⊙ b = b
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 2> : std::type_identity<B> {};
// a ⊙ 1 = a
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 3> : std::type_identity<A> {};
// (−1) ⊙ b = −b
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 4> : std::type_identity<made<typename Ops::neg, B>> {};
// a ⊙ (−1) = −a
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 5> : std::type_identity<made<typename Ops::neg, A>> {};
// (−a) ⊙ b = −(a ⊙ b)
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 6> : std::type_identity<made<typename Ops::neg, made<typename Ops::mul, negated_t<typename Ops::neg, A>, B>>> {};
// a ⊙ (−b) = −(a ⊙ b)
template <class Ops, class A, class B>
struct product_rule<Ops, A, B, 7> : std::type_identity<made<typename Ops::neg, made<typename Ops::mul, A, negated_t<typename Ops::neg, B>>>> {};

// --- a / b ----------------------------------------------------------------------
template <class Ops, class A, class B,
          int Case = first_case({is_literal<A>::value && is_literal<B>::value, is_zero<A>::value, is_one<B>::value,
                                 is_negation<typename Ops::neg, A>::value})>
struct quotient_cases { // folds, cancels
    using type = normal_or<Ops, expr<typename Ops::div, no_label, A, B>>;
};
template <class Ops, class A, class B>
struct quotient_cases<Ops, A, B, 0> : std::type_identity<lit_quot<A, B>> {};
// 0 / b = 0
template <class Ops, class A, class B>
struct quotient_cases<Ops, A, B, 1> : std::type_identity<literal<0>> {};
// a / 1 = a
template <class Ops, class A, class B>
struct quotient_cases<Ops, A, B, 2> : std::type_identity<A> {};
// (−a) / b = −(a / b)
template <class Ops, class A, class B>
struct quotient_cases<Ops, A, B, 3> : std::type_identity<made<typename Ops::neg, made<typename Ops::div, negated_t<typename Ops::neg, A>, B>>> {};
template <class Ops, class A, class B>
struct quotient_rule {
    static_assert(!is_zero<B>::value, "typegrad: division by the literal 0");
    using type = typename quotient_cases<Ops, A, B>::type;
};

} // namespace typegrad::detail
