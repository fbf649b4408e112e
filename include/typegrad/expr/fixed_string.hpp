// SPDX-License-Identifier: MIT
// A string usable as a template argument, so a symbol's name is part of its type.
#pragma once

#include <algorithm>
#include <cstddef>
#include <string_view>

namespace typegrad {

template <std::size_t N>
struct fixed_string {
    char chars[N]{};

    constexpr fixed_string() = default;
    constexpr fixed_string(const char (&s)[N]) { std::copy_n(s, N, chars); }
    constexpr std::string_view view() const { return {chars, N - 1}; }
    constexpr std::size_t size() const { return N - 1; }
};

// "fc" + "1" → "fc1": names built at compile time for generated layers.
template <std::size_t A, std::size_t B>
constexpr fixed_string<A + B - 1> operator+(const fixed_string<A>& a, const fixed_string<B>& b) {
    fixed_string<A + B - 1> out;
    std::copy_n(a.chars, A - 1, out.chars);
    std::copy_n(b.chars, B, out.chars + A - 1);
    return out;
}

namespace detail {
constexpr std::size_t decimal_digits(std::size_t n) { return n < 10 ? 1 : 1 + decimal_digits(n / 10); }
} // namespace detail

// The decimal digits of N as a fixed_string: to_fixed_string<12>() == "12".
template <std::size_t N>
constexpr auto to_fixed_string() {
    fixed_string<detail::decimal_digits(N) + 1> out;
    std::size_t n = N;
    for (std::size_t i = detail::decimal_digits(N); i-- > 0; n /= 10) out.chars[i] = char('0' + n % 10);
    return out;
}

} // namespace typegrad
