// Must not compile: a float tensor beside a double tensor; the message names w.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto W = tg::var<"W">;
    constexpr auto w = tg::var<"w">;
    xt::xtensor<double, 2> a = {{1.0}};
    xt::xtensor<float, 2> f = {{1.0f}};
    auto v = tg::eval(W * w, tg::values(W = a, w = f));
    (void)v;
}
