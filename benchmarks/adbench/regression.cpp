// SPDX-License-Identifier: MIT
// ADBenchmark "regression": the log-density of a Bayesian linear regression,
//   f(w, b, σ) = −½ ‖y − (X w + b)‖² / σ² − m log σ − ½ ‖w‖² − ½ b² − log 9.9
// (normal likelihood, standard normal priors on w and b, σ uniform on [0.1, 10]),
// 1000 examples of 150 features and y uniform in [−1, 1], the suite's largest size
// (150 = 10·(14+1) weights). The gradient is taken in w, b and σ.
// Laid out as typegrad lays out data, features × examples: X is 150 × 1000, w and y
// are rows, so X w is the row w X (1 × 1000), one BLAS gemv-shaped gemm, and every
// elementwise loop runs along a row. The primal is a hand-written loop in the same
// layout (z += wⱼ Xⱼ, row by row of X, which the compiler vectorises).
#include "adbench.hpp"

namespace typegrad::adbench {
namespace {

struct regression_function {
    static constexpr const char* name = "regression";
    static constexpr std::size_t m = 1000, k = 150;
    static constexpr std::size_t n = k + 2;
    static constexpr auto X = var<"X">;
    static constexpr auto y = row<"y">;
    static constexpr auto w = row<"w">;
    static constexpr auto b = scalar<"b">;
    static constexpr auto sigma = scalar<"sigma">;
    static constexpr auto log_range = scalar<"log_range">; // log(10 − 0.1), the uniform prior's constant
    static constexpr auto r = y - (matmul(w, X) + b);
    static constexpr auto f = lit<-1, 2> * sum(square(r)) / square(sigma) - cols(y) * log(sigma) -
                              lit<1, 2> * sum(square(w)) - lit<1, 2> * square(b) - log_range;
    static constexpr auto df = grad(f, w, b, sigma);

    xt::xtensor<double, 2> x_data, y_data, w_data;
    double b_value, sigma_value;
    mutable std::vector<double> z = std::vector<double>(m);
    regression_function() {
        std::mt19937_64 gen(7);
        w_data = uniform(1, k, gen);
        const auto bs = uniform(2, 1, gen);
        b_value = bs(0, 0);
        sigma_value = std::abs(bs(1, 0)) + 0.1;
        x_data = uniform(k, m, gen);
        y_data = uniform(1, m, gen);
    }
    auto values() const {
        return typegrad::values(X = x_data, y = y_data, w = w_data, b = b_value, sigma = sigma_value,
                                log_range = std::log(9.9));
    }

    double primal() const {
        std::fill(z.begin(), z.end(), b_value);
        for (std::size_t j = 0; j < k; ++j) {
            const double wj = w_data.data()[j];
            const double* row = x_data.data() + j * m;
            for (std::size_t i = 0; i < m; ++i) z[i] += wj * row[i];
        }
        double rss = 0;
        for (std::size_t i = 0; i < m; ++i) {
            const double e = y_data.data()[i] - z[i];
            rss += e * e;
        }
        double ww = 0;
        for (std::size_t j = 0; j < k; ++j) ww += w_data.data()[j] * w_data.data()[j];
        return -0.5 * rss / (sigma_value * sigma_value) - double(m) * std::log(sigma_value) - 0.5 * ww -
               0.5 * b_value * b_value - std::log(9.9);
    }

    // With rᵢ = yᵢ − (w Xᵢ + b), Xᵢ the i-th example: ∂f/∂w = r Xᵀ / σ² − w, ∂f/∂b = Σ r / σ² − b,
    // ∂f/∂σ = ‖r‖² / σ³ − m / σ.
    template <class Program>
    double error(const Program& g) const {
        const double s2 = sigma_value * sigma_value;
        xt::xtensor<double, 2> dw = -w_data;
        double db = -b_value, rss = 0;
        for (std::size_t i = 0; i < m; ++i) {
            double z = b_value;
            for (std::size_t j = 0; j < k; ++j) z += x_data(j, i) * w_data(0, j);
            const double e = y_data(0, i) - z;
            rss += e * e;
            db += e / s2;
            for (std::size_t j = 0; j < k; ++j) dw(0, j) += x_data(j, i) * e / s2;
        }
        const double dsigma = rss / (s2 * sigma_value) - double(m) / sigma_value;
        return std::max({relative_difference(g.value(), primal()), relative_difference(g[w], dw),
                         relative_difference(g[b](0, 0), db), relative_difference(g[sigma](0, 0), dsigma)});
    }
};

const bool registered = add<regression_function>();

} // namespace
} // namespace typegrad::adbench
