// Must not compile: 1e-30 is 1/10^30, whose denominator needs more than 64 bits.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
using namespace tg::literals;
int main() {
    constexpr auto x = tg::var<"x">;
    constexpr auto f = 1e-30_c * x;
    (void)f;
}
