// Must not compile: scalar<"w"> and var<"w"> are two symbols of one name, fed by one
// binding (grad(sum(w ⊙ w2), w) silently returned 3 instead of 6 at w = 3).
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main() {
    constexpr auto w = tg::scalar<"w">;
    constexpr auto w2 = tg::var<"w">;
    auto g = tg::eval(tg::grad(tg::sum(w * w2), w), tg::values(w = 3.0));
    (void)g;
}
