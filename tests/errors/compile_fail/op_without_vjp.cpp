// SPDX-License-Identifier: MIT
// A new op that forgets its vector-Jacobian product is refused where a node of it
// is made, with one line naming the missing member.
#include <typegrad/typegrad.hpp>

namespace tg = typegrad;

struct cube_op : tg::unary_elementwise {
    static constexpr std::string_view name = "cube";
    template <class T>
    static T apply(T a) { return a * a * a; }
    static tg::printed print(const std::array<tg::printed, 1>& a, tg::style s) { return tg::print_call("cube", "cube", a[0], s); }
};

int main() {
    constexpr auto x = tg::var<"x">;
    constexpr auto c = tg::make<cube_op>(x);
    return int(sizeof(c));
}
