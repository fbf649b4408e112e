// Must not compile: a tensor of ints (was a 35-line gemm overload error).
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto a = tg::var<"a">;
    constexpr auto x = tg::var<"x">;
    xt::xtensor<int, 2> A = {{1, 2}}, X = {{1}, {2}};
    xt::xtensor<double, 2> Xd = {{1.0}, {2.0}};
    auto v = tg::eval(tg::sum(tg::matmul(a, x)), tg::values(a = A, x = Xd));
    (void)v;
    (void)X;
}
