// SPDX-License-Identifier: MIT
// ADBenchmark "log-sum-exp": f(x) = log Σ exp(xᵢ), n = 16384; ∂f/∂xᵢ = exp(xᵢ) / Σ exp(xⱼ).
// typegrad's logsumexp op (ops/logsumexp.hpp) shifts by max(x), so it is stable at any
// magnitude; its gradient is a softmax. The primal is the plain loop the suite's
// double baseline runs (unshifted: exact for the suite's data in [−1, 1]).
#include "adbench.hpp"

namespace typegrad::adbench {
namespace {

struct log_sum_exp_function {
    static constexpr const char* name = "log_sum_exp";
    static constexpr std::size_t n = 16384;
    static constexpr auto x = row<"x">;
    static constexpr auto f = logsumexp(x);
    static constexpr auto df = grad(f, x);
    xt::xtensor<double, 2> X;
    log_sum_exp_function() {
        std::mt19937_64 gen(3);
        X = uniform(1, n, gen);
    }
    auto values() const { return typegrad::values(x = X); }

    double primal() const {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += std::exp(X.data()[i]);
        return std::log(s);
    }

    template <class Program>
    double error(const Program& g) const {
        double s = 0;
        for (std::size_t i = 0; i < n; ++i) s += std::exp(X.data()[i]);
        xt::xtensor<double, 2> want = xt::xtensor<double, 2>::from_shape({1, n});
        for (std::size_t i = 0; i < n; ++i) want.data()[i] = std::exp(X.data()[i]) / s;
        return std::max(relative_difference(g.value(), primal()), relative_difference(g[x], want));
    }
};

const bool registered = add<log_sum_exp_function>();

} // namespace
} // namespace typegrad::adbench
