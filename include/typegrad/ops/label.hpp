// SPDX-License-Identifier: MIT
// name<"a2">(expr): gives an intermediate a name. The value is unchanged; the
// printer shows the name wherever the node appears, in the forward expression
// and in every adjoint that reads it.
#pragma once

#include <typegrad/expr/node.hpp>

namespace typegrad {

namespace detail {
template <fixed_string Name, class Op, class L, class... A>
constexpr auto relabel(expr<Op, L, A...>) {
    return expr<Op, label<Name>, A...>{};
}
} // namespace detail

template <fixed_string Name, node E>
constexpr auto name(E e) {
    static_assert(!is_symbol<E>::value, "typegrad: name<\"...\">(e) requires e to be an operation; a symbol already has a name");
    static_assert(!is_literal<E>::value, "typegrad: name<\"...\">(e) requires e to be an operation, not a literal");
    return detail::relabel<Name>(e);
}

} // namespace typegrad
