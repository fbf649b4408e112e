// Must not compile: a matrix product of static shapes 3×4 and 5×6.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto A = tg::var<"A", 3, 4>;
    constexpr auto B = tg::var<"B", 5, 6>;
    constexpr auto C = tg::matmul(A, B);
    (void)C;
}
