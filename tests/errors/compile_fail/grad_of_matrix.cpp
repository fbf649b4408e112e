// Must not compile: grad of a function that is not scalar-valued.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto W = tg::var<"W">;
    constexpr auto g = tg::grad(tg::sigmoid(W), W);
    (void)g;
}
