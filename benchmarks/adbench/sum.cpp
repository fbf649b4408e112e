// SPDX-License-Identifier: MIT
// ADBenchmark "sum": f(x) = Σ xᵢ, n = 16384. ∂f/∂x = 1.
#include "adbench.hpp"

namespace typegrad::adbench {
namespace {

struct sum_function {
    static constexpr const char* name = "sum";
    static constexpr std::size_t n = 16384;
    static constexpr auto x = row<"x">;
    static constexpr auto f = sum(x);
    static constexpr auto df = grad(f, x);

    xt::xtensor<double, 2> X;
    sum_function() {
        std::mt19937_64 gen(1);
        X = uniform(1, n, gen);
    }
    auto values() const { return typegrad::values(x = X); }

    double primal() const {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += X.data()[i];
        return s;
    }

    template <class Program>
    double error(const Program& g) const {
        const xt::xtensor<double, 2> ones = xt::ones<double>({std::size_t(1), n});
        return std::max(relative_difference(g.value(), primal()), relative_difference(g[x], ones));
    }
};

const bool registered = add<sum_function>();

} // namespace
} // namespace typegrad::adbench
