// SPDX-License-Identifier: MIT
// The rewrite rules of + − ⊙ / and negation: identities, constant folding, the
// canonical order of commutative operands, and the normal form of products
// (simplify/product.hpp). They run every time one of these nodes is built
// (through make), so every expression, written or derived, is in one form:
// equal maths written two ways is one type, hence one node.
// Generic in the ops (`Ops` names add, sub, mul, div, neg and expand), so that
// the rules depend on the op contract only, not on the ops' headers.
#pragma once

#include <type_traits>

#include <typegrad/ops/op_base.hpp>
#include <typegrad/simplify/constants.hpp>
#include <typegrad/simplify/order.hpp>
#include <typegrad/simplify/product.hpp>

namespace typegrad::detail {

template <class Neg, class T>
struct negated {};
template <class Neg, class A>
struct negated<Neg, expr<Neg, no_label, A>> {
    using type = A;
};

template <class Ops>
struct arithmetic_rules {
    using add = typename Ops::add;
    using sub = typename Ops::sub;
    using mul = typename Ops::mul;
    using div = typename Ops::div;
    using neg = typename Ops::neg;

    template <class T>
    static constexpr bool is_negation = requires { typename negated<neg, T>::type; };
    template <class T>
    using negated_t = typename negated<neg, T>::type;
    template <class T>
    static constexpr bool is_product = is_op<T, mul>::value || is_op<T, div>::value;

    template <class A>
    static constexpr auto negation(A) {
        if constexpr (is_literal<A>::value) return rational<-A::num, A::den>{};                // −c folds
        else if constexpr (is_negation<A>) return negated_t<A>{};                          // −(−a) = a
        else if constexpr (is_op<A, sub>::value && !has_label<A>::value)                            // −(a − b) = b − a
            return make<sub>(operand<1>(A{}), operand<0>(A{}));
        else if constexpr (is_product<A> && !has_label<A>::value) return negated_product<A>(); // −(2 ⊙ a) = −2 ⊙ a
        else return expr<neg, no_label, A>{};
    }

    template <class A, class B>
    static constexpr auto sum(A, B) {
        if constexpr (is_literal<A>::value && is_literal<B>::value) return lit_sum<A, B>{};
        else if constexpr (is_zero<A>::value) return B{};                                      // 0 + b = b
        else if constexpr (is_zero<B>::value) return A{};                                      // a + 0 = a
        else if constexpr (is_negation<B>) return make<sub>(A{}, negated_t<B>{});        // a + (−b) = a − b
        else if constexpr (is_negation<A>) return make<sub>(B{}, negated_t<A>{});        // (−a) + b = b − a
        else if constexpr (std::is_same<A, B>::value) return make<mul>(literal<2>{}, A{});    // a + a = 2a
        else if constexpr (goes_before<B, A>()) return expr<add, no_label, B, A>{};      // b + a = a + b
        else return expr<add, no_label, A, B>{};
    }

    template <class A, class B>
    static constexpr auto difference(A, B) {
        if constexpr (is_literal<A>::value && is_literal<B>::value) return lit_diff<A, B>{};
        else if constexpr (is_zero<B>::value) return A{};                                      // a − 0 = a
        else if constexpr (is_zero<A>::value) return make<neg>(B{});                           // 0 − b = −b
        else if constexpr (is_negation<B>) return make<add>(A{}, negated_t<B>{});        // a − (−b) = a + b
        else if constexpr (std::is_same<A, B>::value && is_scalar<A>::value) return literal<0>{};  // a − a = 0
        else return expr<sub, no_label, A, B>{};
    }

    template <class A, class B>
    static constexpr auto product(A, B) {
        if constexpr (is_literal<A>::value && is_literal<B>::value) return lit_prod<A, B>{};
        // Zero absorbs whatever the shape: a zero adjoint sums or broadcasts to zero.
        else if constexpr (is_zero<A>::value || is_zero<B>::value) return literal<0>{};
        else if constexpr (is_one<A>::value) return B{};                                       // 1 ⊙ b = b
        else if constexpr (is_one<B>::value) return A{};                                       // a ⊙ 1 = a
        else if constexpr (is_literal_value<A, -1>::value) return make<neg>(B{});             // (−1) ⊙ b = −b
        else if constexpr (is_literal_value<B, -1>::value) return make<neg>(A{});
        else if constexpr (is_negation<A>) return make<neg>(make<mul>(negated_t<A>{}, B{})); // (−a) ⊙ b = −(a ⊙ b)
        else if constexpr (is_negation<B>) return make<neg>(make<mul>(A{}, negated_t<B>{}));
        else return normal_or<ordered_product<mul, A, B>>();                             // folds, cancels, orders
    }

    template <class A, class B>
    static constexpr auto quotient(A, B) {
        static_assert(!is_zero<B>::value, "typegrad: division by the literal 0");
        if constexpr (is_literal<A>::value && is_literal<B>::value) return lit_quot<A, B>{};
        else if constexpr (is_zero<A>::value) return literal<0>{};                             // 0 / b = 0
        else if constexpr (is_one<B>::value) return A{};                                       // a / 1 = a
        else if constexpr (is_negation<A>) return make<neg>(make<div>(negated_t<A>{}, B{})); // (−a) / b = −(a / b)
        else return normal_or<expr<div, no_label, A, B>>();                               // folds, cancels
    }

  private:
    // A product with a literal coefficient takes the sign into it.
    template <class A>
    static constexpr auto negated_product() {
        using plain = normal_product<Ops, A>;
        if constexpr (plain::literals == 0) return expr<neg, no_label, A>{};
        else if constexpr (std::is_void<typename normal_product<Ops, A, -1>::type>::value) return expr<neg, no_label, A>{};
        else return typename normal_product<Ops, A, -1>::type{};
    }

    template <class E>
    static constexpr auto normal_or() {
        using normal = typename normal_product<Ops, E>::type;
        if constexpr (std::is_void<normal>::value) return E{};
        else return normal{};
    }
};

} // namespace typegrad::detail
