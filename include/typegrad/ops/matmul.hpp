// SPDX-License-Identifier: MIT
// The matrix product and the transpose. The adjoint of z = A B is
// (∂J/∂A, ∂J/∂B) = (G Bᵀ, Aᵀ G): the seed's "mysterious" transpose is simply the
// adjoint of a product. The executor hands transposes to BLAS as flags, so Θᵀ δ
// never copies Θ.
#pragma once


#include <typegrad/ops/arithmetic.hpp>

namespace typegrad {

template <dim LeftRows, dim LeftCols, dim RightRows, dim RightCols>
struct matmul_shape_check {
    static constexpr bool ok = LeftCols == dyn || RightRows == dyn || LeftCols == RightRows;
    static_assert(ok, "typegrad: shape mismatch in matmul(A, B): the columns of A must equal the rows of "
                      "B; both shapes <rows, cols> are the arguments of matmul_shape_check");
};

struct transpose_op : op_defaults {
    static constexpr std::string_view name = "transpose";
    static constexpr bool view = true; // re-reads its operand, no forward rule of its own
    static constexpr bool swaps_axes = true; // as a BLAS flag, or strided reads in a fused loop
    static constexpr bool materialize_operands = true; // a strided view needs a buffer under it
    template <class A>
    static constexpr static_dims static_shape() { return {A::cols, A::rows}; }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>& in) {
        out = {in[0].cols, in[0].rows};
        return true;
    }
    // (Aᵀ)′ = Gᵀ
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g);
    static printed print(const std::array<printed, 1>& a, style s) {
        return {parenthesize(a[0], prec::postfix + 1, s) + (s == style::latex ? "^{\\top}" : "ᵀ"), prec::postfix};
    }
    template <class A>
    static constexpr auto simplify(A) {
        if constexpr (is_scalar<A>::value) return A{};                                    // a scalar is its own transpose
        else if constexpr (is_op<A, transpose_op>::value && !has_label<A>::value) return operand<0>(A{}); // (Aᵀ)ᵀ = A
        else return expr<transpose_op, no_label, A>{};
    }
};

struct matmul_op : op_defaults {
    static constexpr std::string_view name = "matmul";
    static constexpr op_kind kind = op_kind::gemm;
    static constexpr bool materialize_operands = true;
    template <class A, class B>
    static constexpr static_dims static_shape() {
        static_assert(matmul_shape_check<A::rows, A::cols, B::rows, B::cols>::ok);
        return {A::rows, B::cols};
    }
    template <class A, class B>
    static bool shape(shape2& out, const std::array<shape2, 2>& in) {
        out = {in[0].rows, in[1].cols};
        return in[0].cols == in[1].rows;
    }
    // (A B)′ = (G Bᵀ, Aᵀ G)
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self self, G g);
    static printed print(const std::array<printed, 2>& a, style s) {
        // Juxtaposition, as in the seed: W2ᵀ δ3. A chain A B C needs no parentheses.
        return {parenthesize(a[0], prec::matmul, s) + " " + parenthesize(a[1], prec::postfix, s), prec::matmul};
    }
    template <class A, class B>
    static constexpr auto simplify(A, B) {
        if constexpr (detail::is_zero<A>::value || detail::is_zero<B>::value) return literal<0>{};
        else return expr<matmul_op, no_label, A, B>{};
    }
};

template <node A>
constexpr auto transpose(A a) { return make<transpose_op>(a); }
template <node A, node B>
constexpr auto matmul(A a, B b) { return make<matmul_op>(a, b); }

// (Aᵀ)′ = Gᵀ. In a batch-major layer h Wᵀ the adjoint of Wᵀ is the product hᵀ G′ that
// matmul's VJP makes, and its transpose is written (hᵀ G′)ᵀ = G′ᵀ h: one product with BLAS
// flags instead of the product and then a transposed copy of it (12% of the deep network's
// step in float). The rewrite takes only that form, a product whose left operand is a
// transpose: an adjoint that is a product of the forward pass (in Σ Aᵀ ⊙ (P Q), the
// adjoint of Aᵀ is P Q itself) stays a transposed view of its buffer, where the rewrite
// would compute a second product. A forward product of the form Pᵀ Q passed back the same
// way would be computed twice; name it (name<"…">) to keep it as it is.
namespace detail {
// An unlabelled product whose left operand is a transpose, Xᵀ Y: the form matmul's VJP makes.
template <class G>
struct transposed_left_product : std::false_type {};
template <class L, class X, class Y>
struct transposed_left_product<expr<matmul_op, no_label, expr<transpose_op, L, X>, Y>> : std::true_type {};
} // namespace detail

template <std::size_t K, class Self, class G>
constexpr auto transpose_op::vjp(Self, G g) {
    if constexpr (detail::transposed_left_product<G>::value) return matmul(transpose(operand<1>(g)), transpose(operand<0>(g)));
    else return transpose(g);
}

template <std::size_t K, class Self, class G>
constexpr auto matmul_op::vjp(Self self, G g) {
    if constexpr (K == 0) return matmul(g, transpose(operand<1>(self)));
    else return matmul(transpose(operand<0>(self)), g);
}

} // namespace typegrad
