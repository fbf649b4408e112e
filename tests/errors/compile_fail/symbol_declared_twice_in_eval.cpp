// Must not compile: var<"W"> and var<"W", 4, 3> in one graph.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto W = tg::var<"W">;
    constexpr auto W43 = tg::var<"W", 4, 3>;
    xt::xtensor<double, 2> a = xt::ones<double>({4, 3});
    auto v = tg::eval(tg::sum(W * W43), tg::values(W = a));
    (void)v;
}
