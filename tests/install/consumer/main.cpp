// SPDX-License-Identifier: MIT
#include <iostream>

#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

int main() {
    constexpr auto x = tg::scalar<"x">;
    constexpr auto y = tg::scalar<"y">;
    auto g = tg::eval(tg::grad(x * y + tg::sin(x), x, y), tg::values(x = 0.0, y = 2.0));
    // ∂/∂x (x y + sin x) = y + cos x = 3 at (0, 2)
    std::cout << "consumer: d/dx=" << g[x](0, 0) << "\n";
    return g[x](0, 0) == 3.0 ? 0 : 1;
}
