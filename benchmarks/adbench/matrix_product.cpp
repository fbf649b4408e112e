// SPDX-License-Identifier: MIT
// ADBenchmark "matrix product": f(A, B) = Σᵢⱼ (A B)ᵢⱼ for two 181 × 181 matrices (the
// suite's largest input, 2·181² ≤ 65536 numbers); ∂f/∂A = 1 Bᵀ, ∂f/∂B = Aᵀ 1.
// The primal is the same BLAS gemm typegrad calls, then a sum loop: a hand-written
// triple loop would be several times slower than BLAS and flatter every ratio (the
// suite's own baseline uses Eigen's product likewise).
#include <typegrad/exec/gemm.hpp>

#include "adbench.hpp"

namespace typegrad::adbench {
namespace {

struct matrix_product_function {
    static constexpr const char* name = "matrix_product";
    static constexpr std::size_t side = 181;
    static constexpr std::size_t n = 2 * side * side;
    static constexpr auto A = var<"A">;
    static constexpr auto B = var<"B">;
    static constexpr auto f = sum(matmul(A, B));
    static constexpr auto df = grad(f, A, B);

    xt::xtensor<double, 2> a, b;
    mutable xt::xtensor<double, 2> product = xt::xtensor<double, 2>::from_shape({side, side});
    matrix_product_function() {
        std::mt19937_64 gen(6);
        a = uniform(side, side, gen);
        b = uniform(side, side, gen);
    }
    auto values() const { return typegrad::values(A = a, B = b); }

    double primal() const {
        blas::gemm(blas::transpose::no, blas::transpose::no, side, side, side, 1.0, a.data(), side, b.data(), side, 0.0,
                   product.data(), side);
        double s = 0;
        for (std::size_t i = 0; i < side * side; ++i) s += product.data()[i];
        return s;
    }

    // ∂f/∂Aᵢₖ = Σⱼ Bₖⱼ (row sums of B), ∂f/∂Bₖⱼ = Σᵢ Aᵢₖ (column sums of A).
    template <class Program>
    double error(const Program& g) const {
        xt::xtensor<double, 2> dA = xt::xtensor<double, 2>::from_shape({side, side});
        xt::xtensor<double, 2> dB = xt::xtensor<double, 2>::from_shape({side, side});
        for (std::size_t k = 0; k < side; ++k) {
            double row = 0, col = 0;
            for (std::size_t j = 0; j < side; ++j) row += b(k, j);
            for (std::size_t i = 0; i < side; ++i) col += a(i, k);
            for (std::size_t i = 0; i < side; ++i) dA(i, k) = row;
            for (std::size_t j = 0; j < side; ++j) dB(k, j) = col;
        }
        return std::max({relative_difference(g.value(), primal()), relative_difference(g[A], dA),
                         relative_difference(g[B], dB)});
    }
};

const bool registered = add<matrix_product_function>();

} // namespace
} // namespace typegrad::adbench
