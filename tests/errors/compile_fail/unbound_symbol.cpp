// Must not compile: eval without a value for the symbol W1.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto W1 = tg::var<"W1">;
    constexpr auto x = tg::var<"x">;
    xt::xtensor<double, 2> xv = {{1.0}};
    auto v = tg::eval(tg::sum(tg::matmul(W1, x)), tg::values(x = xv));
    (void)v;
}
