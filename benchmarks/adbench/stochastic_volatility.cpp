// SPDX-License-Identifier: MIT
// ADBenchmark "stochastic volatility", n = 8192 time steps (2n + 3 = 16387 inputs, the
// suite's largest): standardised log-volatilities h̃ (n), persistence φ ∈ (−1, 1),
// scale σ > 0, mean μ, observations y (n, data).
//   sᵢ = σ h̃ᵢ, with s₀ divided by √(1 − φ²) (the stationary start)
//   hᵢ − μ = sᵢ + φ (hᵢ₋₁ − μ)                      the AR(1) recursion: ar1(s, φ)
//   f = −½ Σ (yᵢ / exp(hᵢ/2))² − Σ log exp(hᵢ/2)      y ~ normal(0, exp(h/2))
//       − ½ Σ h̃ᵢ²                                    h̃ ~ normal(0, 1)
//       − log(5 (1 + (σ/5)²)) − log(10 (1 + (μ/10)²))  Cauchy(0, 5), Cauchy(0, 10)
//       − log 2                                      φ ~ uniform(−1, 1)
// as the suite writes it (log exp(h/2) included). The gradient is taken in h̃, φ, σ, μ.
// The recursion uses the user-defined ops of recurrence.hpp (typegrad has no scan op).
// The first step's factor 1/√(1 − φ²) is put on s₀ alone with a data row e₀ = (1, 0, …).
#include "adbench.hpp"
#include "recurrence.hpp"

namespace typegrad::adbench {
namespace {

struct stochastic_volatility_function {
    static constexpr const char* name = "stochastic_volatility";
    static constexpr std::size_t steps = 8192;
    static constexpr std::size_t n = 2 * steps + 3;
    static constexpr auto h_std = row<"h_std">;
    static constexpr auto y = row<"y">;
    static constexpr auto e0 = row<"e0">;
    static constexpr auto phi = scalar<"phi">;
    static constexpr auto sigma = scalar<"sigma">;
    static constexpr auto mu = scalar<"mu">;
    static constexpr auto log2 = scalar<"log2">;
    static constexpr auto start = lit<1> + e0 * (lit<1> / sqrt(lit<1> - square(phi)) - lit<1>);
    static constexpr auto h = ar1(sigma * h_std * start, phi) + mu;
    static constexpr auto sd = exp(h * lit<1, 2>);
    static constexpr auto f = lit<-1, 2> * sum(square(y / sd)) - sum(log(sd)) - lit<1, 2> * sum(square(h_std)) -
                              log(lit<5> * (lit<1> + square(sigma * lit<1, 5>))) -
                              log(lit<10> * (lit<1> + square(mu * lit<1, 10>))) - log2;
    static constexpr auto df = grad(f, h_std, phi, sigma, mu);

    xt::xtensor<double, 2> hs, ys, first;
    double phi_value, sigma_value, mu_value;
    stochastic_volatility_function() {
        std::mt19937_64 gen(8);
        hs = uniform(1, steps, gen);
        const auto p = uniform(1, 3, gen);
        phi_value = p(0, 0);
        sigma_value = std::abs(p(0, 1)) + 0.1;
        mu_value = p(0, 2);
        ys = uniform(1, steps, gen);
        first = xt::zeros<double>({std::size_t(1), steps});
        first(0, 0) = 1;
    }
    auto values() const {
        return typegrad::values(h_std = hs, y = ys, e0 = first, phi = phi_value, sigma = sigma_value, mu = mu_value,
                                log2 = std::log(2.0));
    }

    // hᵢ − μ, as the suite's loop computes it.
    void centred(std::vector<double>& g) const {
        g.resize(steps);
        g[0] = sigma_value * hs.data()[0] / std::sqrt(1 - phi_value * phi_value);
        for (std::size_t i = 1; i < steps; ++i) g[i] = sigma_value * hs.data()[i] + phi_value * g[i - 1];
    }

    double primal() const {
        double z2 = 0, log_sd = 0, hh = 0, prev = 0;
        for (std::size_t i = 0; i < steps; ++i) {
            const double s = sigma_value * hs.data()[i];
            prev = i == 0 ? s / std::sqrt(1 - phi_value * phi_value) : s + phi_value * prev;
            const double sd_i = std::exp((prev + mu_value) / 2);
            const double z = ys.data()[i] / sd_i;
            z2 += z * z;
            log_sd += std::log(sd_i);
            hh += hs.data()[i] * hs.data()[i];
        }
        const double cs = sigma_value / 5, cm = mu_value / 10;
        return -0.5 * z2 - log_sd - 0.5 * hh - std::log(5 * (1 + cs * cs)) - std::log(10 * (1 + cm * cm)) -
               std::log(2.0);
    }

    // Reverse mode by hand: ḡᵢ = ∂f/∂hᵢ = ½ yᵢ² e^{−hᵢ} − ½, ā = R(ḡ) (the adjoint
    // recursion), then h̃̄ᵢ = σ cᵢ āᵢ − h̃ᵢ, σ̄ = Σ cᵢ h̃ᵢ āᵢ − (2σ/25)/(1 + σ²/25),
    // μ̄ = Σ ḡᵢ − (2μ/100)/(1 + μ²/100), φ̄ = Σ_{i≥1} āᵢ (hᵢ₋₁ − μ) + ā₀ σ h̃₀ φ (1 − φ²)^{−3/2}.
    template <class Program>
    double error(const Program& prog) const {
        std::vector<double> g, a(steps);
        centred(g);
        std::vector<double> gbar(steps);
        for (std::size_t i = 0; i < steps; ++i)
            gbar[i] = 0.5 * ys.data()[i] * ys.data()[i] * std::exp(-(g[i] + mu_value)) - 0.5;
        a[steps - 1] = gbar[steps - 1];
        for (std::size_t i = steps - 1; i-- > 0;) a[i] = gbar[i] + phi_value * a[i + 1];
        const double c0 = 1 / std::sqrt(1 - phi_value * phi_value);
        xt::xtensor<double, 2> dh = xt::xtensor<double, 2>::from_shape({1, steps});
        double dsigma = -(2 * sigma_value / 25) / (1 + sigma_value * sigma_value / 25);
        double dmu = -(2 * mu_value / 100) / (1 + mu_value * mu_value / 100);
        double dphi = a[0] * sigma_value * hs.data()[0] * phi_value * c0 * c0 * c0;
        for (std::size_t i = 0; i < steps; ++i) {
            const double c = i == 0 ? c0 : 1.0;
            dh.data()[i] = sigma_value * c * a[i] - hs.data()[i];
            dsigma += c * hs.data()[i] * a[i];
            dmu += gbar[i];
            if (i > 0) dphi += a[i] * g[i - 1];
        }
        return std::max({relative_difference(prog.value(), primal()), relative_difference(prog[h_std], dh),
                         relative_difference(prog[phi](0, 0), dphi), relative_difference(prog[sigma](0, 0), dsigma),
                         relative_difference(prog[mu](0, 0), dmu)});
    }
};

const bool registered = add<stochastic_volatility_function>();

} // namespace
} // namespace typegrad::adbench
