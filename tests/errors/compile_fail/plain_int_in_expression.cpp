// Must not compile: 1 - a (a plain int has no compile-time value); the message shows 1_c.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto a = tg::var<"a">;
    auto f = 1 - a;
    (void)f;
}
