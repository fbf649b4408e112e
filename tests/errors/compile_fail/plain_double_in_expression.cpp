// Must not compile: a run-time double beside a node; the message shows scalar<"lam">.
#include <typegrad/typegrad.hpp>
namespace tg = typegrad;
int main(int argc, char**) {
    constexpr auto x = tg::var<"x">;
    const double scale = 100.0 * argc;
    auto f = scale * x;
    (void)f;
}
