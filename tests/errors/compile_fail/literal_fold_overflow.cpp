// Must not compile: the exact product of two 12-digit decimals needs more than 64 bits
// (was a raw "overflow in constant expression").
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
using namespace tg::literals;
int main() {
    constexpr auto x = tg::var<"x">;
    constexpr auto f = 0.123456789123_c * 0.987654321987_c * x;
    (void)f;
}
