// SPDX-License-Identifier: MIT
// Literals: tg::lit<1>, tg::lit<1, 2>, and with `using namespace typegrad::literals`
// 1_c, 0.5_c, 1e-4_c, 0x10_c. A literal is an exact rational of 64-bit integers, so
// `_c` reads every form C++ accepts for a number (decimal, with a signed exponent,
// digit separators, hexadecimal including hex floats, octal, binary) into the exact
// value it spells; a literal whose value needs more than 64 bits is refused with a
// `typegrad:` message naming it, never rounded. Folding two literals (a sum,
// difference, product or quotient) is exact too, and an overflow names both operands.
#pragma once

#include <cstddef>
#include <limits>
#include <numeric>

#include <typegrad/expr/node.hpp>

namespace typegrad {

template <long long Num, long long Den = 1>
inline constexpr rational<Num, Den> lit{};

namespace detail {

// num / den in lowest terms, or `fits == false` once a step would leave 64 bits.
struct exact_rational {
    long long num = 0;
    long long den = 1;
    bool fits = true;

    constexpr void times(long long m) { // *= m, m > 0
        const long long g = std::gcd(m, den);
        den /= g;
        fits = fits && !__builtin_mul_overflow(num, m / g, &num);
    }
    constexpr void over(long long m) { // /= m, m > 0
        const long long g = std::gcd(m, num) == 0 ? 1 : std::gcd(m, num);
        num /= g;
        fits = fits && !__builtin_mul_overflow(den, m / g, &den);
    }
    // *= base^exponent, one factor at a time: a value only grows past 64 bits
    // (or reaches 0) within 64 steps, so the loop stops early for a huge exponent.
    constexpr void scale(long long base, long long exponent) {
        for (; exponent > 0 && fits && num != 0; --exponent) times(base);
        for (; exponent < 0 && fits && num != 0; ++exponent) over(base);
    }
};

constexpr int digit_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// The exact value of a C++ numeric literal, as the compiler hands it to a raw
// literal operator (prefix, digits, separators, point and exponent as written).
// value = significant digits × base^(stripped trailing zeros − fraction digits)
//         × exponent_base^exponent,
// with trailing zeros stripped so that 1.000…0_c or 1'000'000e-6_c do not overflow.
constexpr exact_rational parse_number(const char* s, std::size_t N) {
    std::size_t i = 0;
    long long base = 10, exponent_base = 10;
    const bool decimal_point_or_exponent = [&] {
        for (std::size_t k = 0; k < N; ++k)
            if (s[k] == '.' || s[k] == 'e' || s[k] == 'E' || s[k] == 'p' || s[k] == 'P') return true;
        return false;
    }();
    if (N > 2 && s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) base = 16, exponent_base = 2, i = 2;
    else if (N > 2 && s[0] == '0' && (s[1] == 'b' || s[1] == 'B')) base = 2, i = 2;
    else if (N > 1 && s[0] == '0' && !decimal_point_or_exponent) base = 8, i = 1; // 010_c is 8, as 010 is

    exact_rational v;
    long long pending_zeros = 0, fraction_digits = 0;
    bool fraction = false;
    for (; i < N; ++i) {
        const char c = s[i];
        if (c == '\'') continue;
        if (c == '.') { fraction = true; continue; }
        const int d = digit_value(c);
        if (d < 0 || (base == 10 && (c == 'e' || c == 'E'))) break; // the exponent starts
        if (fraction) ++fraction_digits;
        if (d == 0) { ++pending_zeros; continue; }
        v.scale(base, pending_zeros); // zeros followed by a digit are significant
        pending_zeros = 0;
        if (v.num == 0) v.num = d;
        else v.fits = v.fits && !__builtin_mul_overflow(v.num, base, &v.num) && !__builtin_add_overflow(v.num, d, &v.num);
    }
    long long exponent = 0;
    if (i < N) { // e±k or p±k
        ++i;
        const bool negative = i < N && s[i] == '-';
        if (i < N && (s[i] == '-' || s[i] == '+')) ++i;
        for (; i < N; ++i)
            if (s[i] != '\'') exponent = exponent > 100000 ? exponent : exponent * 10 + (s[i] - '0');
        if (negative) exponent = -exponent;
    }
    v.scale(base, pending_zeros - fraction_digits);
    v.scale(exponent_base, exponent);
    return v;
}

// Instantiated for a literal that is no 64-bit rational; clang and g++ both print
// the characters: literal_out_of_range<'1', 'e', '-', '3', '0'>.
template <char... Literal>
struct literal_out_of_range {
    static_assert(sizeof...(Literal) == std::size_t(-1),
                  "typegrad: the _c literal spelled out in literal_out_of_range<...> is not an exact rational of "
                  "64-bit integers (numerator and denominator at most 9223372036854775807); a literal is exact or "
                  "refused, never rounded");
};

// Instantiated when folding two literals overflows: rational_overflow<'*', literal<…>, literal<…>>.
template <char Op, class A, class B>
struct rational_overflow {
    static_assert(Op == '\0', "typegrad: folding two literals overflows 64-bit rationals; the operation and "
                              "both literals are in rational_overflow<op, literal<num, den>, literal<num, den>>");
};

constexpr exact_rational fold_rationals(char op, long long a, long long b, long long c, long long d) {
    exact_rational r;
    long long x = 0, y = 0;
    if (op == '/') { // (a/b) / (c/d) = (a/b) · (d/c)
        const long long nc = c < 0 ? -c : c;
        d = c < 0 ? -d : d;
        c = d, d = nc;
    }
    if (op == '*' || op == '/') { // cross-reduce first: a/b · c/d with gcd(a, d) and gcd(c, b) taken out
        const long long g1 = std::gcd(a, d) == 0 ? 1 : std::gcd(a, d), g2 = std::gcd(c, b) == 0 ? 1 : std::gcd(c, b);
        r.fits = !__builtin_mul_overflow(a / g1, c / g2, &r.num) && !__builtin_mul_overflow(b / g2, d / g1, &r.den);
    } else { // a/b ± c/d = (a·(d/g) ± c·(b/g)) / (b·(d/g)), g = gcd(b, d)
        const long long g = std::gcd(b, d);
        r.fits = !__builtin_mul_overflow(a, d / g, &x) && !__builtin_mul_overflow(c, b / g, &y) &&
                 !(op == '+' ? __builtin_add_overflow(x, y, &r.num) : __builtin_sub_overflow(x, y, &r.num)) &&
                 !__builtin_mul_overflow(b, d / g, &r.den);
    }
    if (r.num == std::numeric_limits<long long>::min()) r.fits = false; // its negation would overflow
    return r;
}

template <char Op, class A, class B>
constexpr auto fold_literals() {
    constexpr exact_rational r = fold_rationals(Op, A::num, A::den, B::num, B::den);
    if constexpr (!r.fits) {
        (void)sizeof(rational_overflow<Op, A, B>);
        return literal<0>{};
    } else {
        return rational<r.num, r.den>{};
    }
}

} // namespace detail

// Exact folds of two literals, for the rewrite rules.
template <class A, class B>
using literal_sum = decltype(detail::fold_literals<'+', A, B>());
template <class A, class B>
using literal_difference = decltype(detail::fold_literals<'-', A, B>());
template <class A, class B>
using literal_product = decltype(detail::fold_literals<'*', A, B>());
template <class A, class B>
using literal_quotient = decltype(detail::fold_literals<'/', A, B>());

namespace literals {

template <char... Cs>
constexpr auto operator""_c() {
    constexpr auto v = [] {
        const char spelled[] = {Cs...};
        return typegrad::detail::parse_number(spelled, sizeof...(Cs));
    }();
    if constexpr (!v.fits) {
        (void)sizeof(typegrad::detail::literal_out_of_range<Cs...>);
        return literal<0>{};
    } else {
        return rational<v.num, v.den>{};
    }
}

} // namespace literals
} // namespace typegrad
