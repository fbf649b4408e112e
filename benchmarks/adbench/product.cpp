// SPDX-License-Identifier: MIT
// ADBenchmark "product": f(x) = Π xᵢ, n = 16384, xᵢ uniform in [0, 2) as the suite
// draws them; ∂f/∂xᵢ = Π_{j≠i} xⱼ. typegrad's prod op (ops/prod.hpp), whose VJP is
// g ⊙ Π x / x: right for any sign, NaN where an entry is exactly 0.
// The suite's data: 16384 factors in [0, 2) multiply to far below the smallest
// double, so f and its gradient are 0 in every implementation, typegrad's included.
#include "adbench.hpp"

namespace typegrad::adbench {
namespace {

struct product_function {
    static constexpr const char* name = "product";
    static constexpr std::size_t n = 16384;
    static constexpr auto x = row<"x">;
    static constexpr auto f = prod(x);
    static constexpr auto df = grad(f, x);

    xt::xtensor<double, 2> X;
    product_function() {
        std::mt19937_64 gen(4);
        X = uniform(1, n, gen) + 1.0;
    }
    auto values() const { return typegrad::values(x = X); }
    double primal() const {
        double p = 1;
        for (std::size_t i = 0; i < n; ++i) p *= X.data()[i];
        return p;
    }

    // Π_{j≠i} xⱼ by prefix and suffix products (no division, exact at 0).
    static xt::xtensor<double, 2> gradient(const xt::xtensor<double, 2>& v) {
        const std::size_t m = v.size();
        xt::xtensor<double, 2> g = xt::xtensor<double, 2>::from_shape({1, m});
        double before = 1;
        for (std::size_t i = 0; i < m; ++i) {
            g.data()[i] = before;
            before *= v.data()[i];
        }
        double after = 1;
        for (std::size_t i = m; i-- > 0;) {
            g.data()[i] *= after;
            after *= v.data()[i];
        }
        return g;
    }

    // The suite's data underflow to 0, so the product is also checked where it is not
    // trivially 0: on 40 entries of both signs, through the same gradient.
    template <class Program>
    double error(const Program& g) const {
        double e = std::max(relative_difference(g.value(), primal()), relative_difference(g[x], gradient(X)));
        std::mt19937_64 gen(5);
        const xt::xtensor<double, 2> small = uniform(1, 40, gen) * 1.9;
        auto probe = compile<double>(df);
        probe.run(typegrad::values(x = small));
        double p = 1;
        for (auto v : small) p *= v;
        // relative to the values themselves (they are far below 1)
        return std::max({e, relative_difference(probe.value(), p, 1e-300),
                         relative_difference(probe[x], gradient(small), 1e-300)});
    }
};

const bool registered = add<product_function>();

} // namespace
} // namespace typegrad::adbench
