// Must not compile: adding static shapes 3×4 and 2×1, which do not broadcast.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto A = tg::var<"A", 3, 4>;
    constexpr auto b = tg::var<"b", 2, 1>;
    constexpr auto C = A + b;
    (void)C;
}
