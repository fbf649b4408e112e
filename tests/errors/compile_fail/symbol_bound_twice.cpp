// Must not compile: W bound twice in one values(...) (the first binding used to win).
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto W = tg::var<"W">;
    xt::xtensor<double, 2> a = {{1.0}}, b = {{2.0}};
    auto v = tg::eval(W, tg::values(W = a, W = b));
    (void)v;
}
