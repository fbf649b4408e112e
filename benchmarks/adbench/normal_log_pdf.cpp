// SPDX-License-Identifier: MIT
// ADBenchmark "normal log-density": f(x) = −½ Σ ((xᵢ − μ)/σ)² − n log σ with μ = −0.56,
// σ = 1.37 (the suite's constants), n = 16384; the gradient is taken in x,
// ∂f/∂xᵢ = (μ − xᵢ)/σ².
#include "adbench.hpp"

namespace typegrad::adbench {
namespace {

struct normal_log_pdf_function {
    static constexpr const char* name = "normal_log_pdf";
    static constexpr std::size_t n = 16384;
    static constexpr auto x = row<"x">;
    static constexpr auto mu = scalar<"mu">;
    static constexpr auto sigma = scalar<"sigma">;
    static constexpr auto f = lit<-1, 2> * sum(square((x - mu) / sigma)) - typegrad::size(x) * log(sigma);
    static constexpr auto df = grad(f, x);

    static constexpr double mu_value = -0.56, sigma_value = 1.37;
    xt::xtensor<double, 2> X;
    normal_log_pdf_function() {
        std::mt19937_64 gen(2);
        X = uniform(1, n, gen);
    }
    auto values() const { return typegrad::values(x = X, mu = mu_value, sigma = sigma_value); }

    double primal() const {
        double z2 = 0;
        const double inv_sigma = 1.0 / sigma_value;
        for (std::size_t i = 0; i < n; ++i) {
            const double z = (X.data()[i] - mu_value) * inv_sigma;
            z2 += z * z;
        }
        return -0.5 * z2 - double(n) * std::log(sigma_value);
    }

    template <class Program>
    double error(const Program& g) const {
        xt::xtensor<double, 2> want = xt::xtensor<double, 2>::from_shape({1, n});
        for (std::size_t i = 0; i < n; ++i) want.data()[i] = (mu_value - X.data()[i]) / (sigma_value * sigma_value);
        return std::max(relative_difference(g.value(), primal()), relative_difference(g[x], want));
    }
};

const bool registered = add<normal_log_pdf_function>();

} // namespace
} // namespace typegrad::adbench
