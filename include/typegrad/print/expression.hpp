// SPDX-License-Identifier: MIT
// Printing one expression: each op renders itself from its operands' printed
// forms; this file walks the types and supplies the names (symbols, labels, and
// any names a caller assigns to shared nodes).
#pragma once

#include <array>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include <typegrad/expr/graph.hpp>
#include <typegrad/ops/op_base.hpp>

namespace typegrad {

namespace detail {

inline std::string rational_text(long long num, long long den, style s) {
    if (den == 1) return std::to_string(num);
    if (s == style::latex) return (num < 0 ? "-" : "") + std::string("\\frac{") + std::to_string(num < 0 ? -num : num) + "}{" + std::to_string(den) + "}";
    return std::to_string(num) + "/" + std::to_string(den);
}

// "a3" → "a_{3}", "W1" → "W_{1}", "δ2" → "\delta_{2}", "fc1.W" → "\mathrm{fc1.W}".
inline std::string latex_name(std::string_view name) {
    std::string base(name), digits;
    while (!base.empty() && base.back() >= '0' && base.back() <= '9') {
        digits.insert(digits.begin(), base.back());
        base.pop_back();
    }
    if (base.rfind("δ", 0) == 0) { // δ3 → \delta_{3}, δJ → \delta_{J}
        std::string rest = base.substr(std::string("δ").size()) + digits;
        return rest.empty() ? "\\delta" : "\\delta_{" + rest + "}";
    }
    else if (base.size() > 1 && base.find('\\') == std::string::npos) base = "\\mathrm{" + base + "}";
    if (base.empty()) return digits;
    return digits.empty() ? base : base + "_{" + digits + "}";
}

} // namespace detail

// Prints nodes of a graph, showing a node by its name where it has one.
template <class Nodes>
class expression_printer {
  public:
    using tables = graph<Nodes>;

    explicit expression_printer(style s) : style_(s), names_(tables::size) {}

    void set_name(std::size_t id, std::string name) { names_[id] = std::move(name); }
    const std::string& name(std::size_t id) const { return names_[id]; }
    style text_style() const { return style_; }

    // The node shown by its name if it has one, else in full.
    template <class N>
    printed operator()(N n) const {
        const std::string& given = names_[tables::template id<N>];
        if (!given.empty()) return {style_ == style::latex ? detail::latex_name(given) : given, prec::atom};
        return expand(n);
    }

    // The node in full, its operands by name where they have one.
    template <class N>
    printed expand(N) const {
        if constexpr (is_symbol_v<N>) {
            return {style_ == style::latex ? detail::latex_name(N::name.view()) : std::string(N::name.view()), prec::atom};
        } else if constexpr (is_literal_v<N>) {
            return {detail::rational_text(N::num, N::den, style_),
                    N::num < 0 ? prec::neg : (N::den == 1 || style_ == style::latex ? prec::atom : prec::mul)};
        } else {
            return [this]<class... A>(meta::type_list<A...>) {
                return N::op::print(std::array<printed, sizeof...(A)>{(*this)(A{})...}, style_);
            }(operands_t<N>{});
        }
    }

  private:
    style style_;
    std::vector<std::string> names_;
};

// Labels (name<"a2">) become names.
template <class Nodes>
void name_labels(expression_printer<Nodes>& p) {
    [&]<class... N>(meta::type_list<N...>) {
        auto one = [&]<class M>(M) {
            if constexpr (has_label_v<M>) p.set_name(meta::index_of<Nodes, M>, std::string(M::label_type::name.view()));
        };
        (one(N{}), ...);
    }(Nodes{});
}

} // namespace typegrad
