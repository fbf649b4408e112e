// SPDX-License-Identifier: MIT
// The name of a derivative, as a reader writes it: ∂f/∂x, then ∂²f/∂x² for the
// derivative of ∂f/∂x by x, ∂²f/∂y∂x by y. grad(f, x)[x] carries this name as
// its label, so a gradient of a gradient prints as ∂²f/∂x² = … where ∂f/∂x = …,
// never as a second "f". Text built in constexpr buffers: it is a template
// argument (the label) as well as printed text.
#pragma once

#include <array>
#include <cstddef>
#include <string_view>

namespace typegrad::detail {

// A derivative's name taken apart: ∂ⁿ base / ∂v₁^p₁ ∂v₂^p₂ …, outermost variable first.
struct derivative_parts {
    static constexpr std::size_t max_vars = 8;
    std::string_view base;
    int order = 0;
    std::array<std::string_view, max_vars> var{};
    std::array<int, max_vars> power{};
    std::size_t vars = 0;
};

inline constexpr std::string_view partial_sign = "∂";
inline constexpr std::array<std::string_view, 10> superscripts = {"⁰", "¹", "²", "³", "⁴", "⁵", "⁶", "⁷", "⁸", "⁹"};

// Reads superscript digits at the front of s; returns the number (0 if none) and advances s.
constexpr int read_superscript(std::string_view& s) {
    int n = 0;
    bool any = true;
    while (any) {
        any = false;
        for (int d = 0; d < 10; ++d)
            if (s.starts_with(superscripts[d])) {
                n = n * 10 + d;
                s.remove_prefix(superscripts[d].size());
                any = true;
            }
    }
    return n;
}

constexpr bool at_superscript(std::string_view s) {
    for (std::string_view sup : superscripts)
        if (s.starts_with(sup)) return true;
    return false;
}

// "∂²f/∂y∂x" → {f, 2, [y, x]}; a name that is not a derivative is the base of order 0.
constexpr derivative_parts parse_derivative(std::string_view name) {
    derivative_parts p;
    p.base = name;
    if (!name.starts_with(partial_sign)) return p;
    std::string_view s = name.substr(partial_sign.size());
    const int order = read_superscript(s);
    const std::size_t slash = s.find(std::string_view("/∂"));
    if (slash == std::string_view::npos || slash == 0) return p;
    derivative_parts d;
    d.base = s.substr(0, slash);
    s.remove_prefix(slash + 1);
    while (s.starts_with(partial_sign) && d.vars < derivative_parts::max_vars) {
        s.remove_prefix(partial_sign.size());
        std::size_t end = 0;
        while (end < s.size() && !s.substr(end).starts_with(partial_sign) && !at_superscript(s.substr(end)))
            ++end;
        d.var[d.vars] = s.substr(0, end);
        s.remove_prefix(end);
        const int power = read_superscript(s);
        d.power[d.vars++] = power == 0 ? 1 : power;
    }
    int total = 0;
    for (std::size_t k = 0; k < d.vars; ++k) total += d.power[k];
    if (!s.empty() || d.vars == 0 || total != (order == 0 ? 1 : order)) return p; // not one of ours
    d.order = total;
    return d;
}

// The name of ∂(name)/∂x.
constexpr derivative_parts differentiate(std::string_view name, std::string_view x) {
    derivative_parts d = parse_derivative(name);
    ++d.order;
    if (d.vars > 0 && d.var[0] == x) {
        ++d.power[0];
    } else if (d.vars < derivative_parts::max_vars) {
        for (std::size_t k = d.vars; k-- > 0;) {
            d.var[k + 1] = d.var[k];
            d.power[k + 1] = d.power[k];
        }
        d.var[0] = x;
        d.power[0] = 1;
        ++d.vars;
    }
    return d;
}

// Text output into a fixed buffer, usable in constant expressions.
struct name_buffer {
    std::array<char, 256> chars{};
    std::size_t size = 0;
    constexpr void append(std::string_view s) {
        for (char c : s)
            if (size < chars.size() - 1) chars[size++] = c;
    }
    constexpr void append_superscript(int n) {
        if (n >= 10) append_superscript(n / 10);
        append(superscripts[n % 10]);
    }
    constexpr std::string_view view() const { return {chars.data(), size}; }
};

// ∂ⁿf/∂x^p∂y in text.
constexpr name_buffer derivative_text(const derivative_parts& d) {
    name_buffer out;
    out.append(partial_sign);
    if (d.order > 1) out.append_superscript(d.order);
    out.append(d.base);
    out.append("/");
    for (std::size_t k = 0; k < d.vars; ++k) {
        out.append(partial_sign);
        out.append(d.var[k]);
        if (d.power[k] > 1) out.append_superscript(d.power[k]);
    }
    return out;
}

} // namespace typegrad::detail
