// SPDX-License-Identifier: MIT
// Reductions and their adjoint, broadcasting: sum of everything, sums along an
// axis, means, and `expand`, which the derivation inserts where an adjoint must
// take the shape of its node. Also the counts (rows, cols, size) that means and
// losses divide by, read from the bound shapes at run time.
#pragma once

#include <cstddef>

#include <xtensor/xtensor.hpp>

#include <typegrad/ops/arithmetic.hpp>
#include <typegrad/ops/parallel.hpp>
#include <typegrad/ops/reduction.hpp>

namespace typegrad {

// Σ p[0, n) in eight running sums, added together at the end: one running sum waits
// out each addition's latency (a sum of 8192 doubles took 9 µs so), eight independent
// ones the compiler puts in one vector. The order depends on n alone.
template <class T>
T running_sums(const T* p, std::size_t n) {
    constexpr std::size_t lanes = 8;
    T lane[lanes] = {};
    std::size_t j = 0;
    for (; j + lanes <= n; j += lanes)
        for (std::size_t k = 0; k < lanes; ++k) lane[k] += p[j + k];
    T acc = ((lane[0] + lane[1]) + (lane[2] + lane[3])) + ((lane[4] + lane[5]) + (lane[6] + lane[7]));
    for (; j < n; ++j) acc += p[j];
    return acc;
}

// Σ over every element: a 1×1 result.
struct sum_op : full_reduction {
    static constexpr std::string_view name = "sum";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        const T* p = a.data();
        out(0, 0) = parallel_sum<T>(a.size(), a.size(),
                                    [p](std::size_t first, std::size_t last) { return running_sums(p + first, last - first); });
    }
    // (Σ a)′ = g, broadcast back to a's shape by the derivation
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g) { return g; }
    static printed print(const std::array<printed, 1>& a, style s) {
        if (s == style::latex) return {"\\sum " + parenthesize(a[0], prec::postfix, s), prec::neg};
        return print_call("Σ", "", a[0], s);
    }
};

// Sums along an axis, keeping it with size 1: axis 0 sums each column (1×n),
// axis 1 sums each row (m×1) — the bias gradient.
template <int Axis>
struct sum_axis_op : axis_reduction<Axis> {
    static constexpr std::string_view name = Axis == 0 ? "colsum" : "rowsum";
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, const xt::xtensor<T, 2>& a) {
        // Rows (axis 1) or columns (axis 0) split over the loop threads; each sum
        // adds in the same order whatever the split.
        const std::size_t rows = a.shape(0), cols = a.shape(1);
        const T* p = a.data();
        T* o = out.data();
        if constexpr (Axis == 1) {
            // (a conv bias's gradient sums 784 · m entries per row)
            parallel_blocks(rows, a.size(), 1, [&](std::size_t first, std::size_t last) {
                for (std::size_t i = first; i < last; ++i) o[i] = running_sums(p + i * cols, cols);
            });
        } else {
            parallel_blocks(cols, a.size(), 16, [&](std::size_t first, std::size_t last) {
                for (std::size_t j = first; j < last; ++j) o[j] = 0;
                for (std::size_t i = 0; i < rows; ++i)
                    for (std::size_t j = first; j < last; ++j) o[j] += p[i * cols + j];
            });
        }
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G g) { return g; }
    static printed print(const std::array<printed, 1>& a, style s) {
        return print_call(name, Axis == 0 ? "\\operatorname{colsum}" : "\\operatorname{rowsum}", a[0], s);
    }
};

// The number of rows, columns or elements of a bound value, as a 1×1 node.
enum class count { rows, cols, size };

template <count What>
struct count_op : op_defaults {
    static constexpr std::string_view name = What == count::rows ? "rows" : What == count::cols ? "cols" : "size";
    static constexpr op_kind kind = op_kind::compute;
    static constexpr bool uses_value(std::size_t) { return false; }
    template <class A>
    static constexpr static_dims static_shape() { return {1, 1}; }
    template <class A>
    static bool shape(shape2& out, const std::array<shape2, 1>&) {
        out = {1, 1};
        return true;
    }
    template <class T>
    static void compute(xt::xtensor<T, 2>& out, shape2 a) {
        out(0, 0) = T(What == count::rows ? a.rows : What == count::cols ? a.cols : a.rows * a.cols);
    }
    template <std::size_t K, class Self, class G>
    static constexpr auto vjp(Self, G) { return literal<0>{}; }
    static printed print(const std::array<printed, 1>& a, style s) {
        if constexpr (What == count::cols) return {"m", prec::atom}; // the batch size, as in the seed
        else return print_call(name, "\\operatorname{" + std::string(name) + "}", a[0], s);
    }
    template <class A>
    static constexpr auto simplify(A) {
        if constexpr (What == count::rows && A::rows != dyn) return literal<A::rows>{};
        else if constexpr (What == count::cols && A::cols != dyn) return literal<A::cols>{};
        else if constexpr (What == count::size && A::rows != dyn && A::cols != dyn) return literal<A::rows * A::cols>{};
        else return expr<count_op, no_label, A>{};
    }
};

template <node A>
constexpr auto sum(A a) { return make<sum_op>(a); }
template <int Axis, node A>
constexpr auto sum(A a) { return make<sum_axis_op<Axis>>(a); }
template <node A>
constexpr auto rows(A a) { return make<count_op<count::rows>>(a); }
template <node A>
constexpr auto cols(A a) { return make<count_op<count::cols>>(a); }
template <node A>
constexpr auto size(A a) { return make<count_op<count::size>>(a); }

template <node A>
constexpr auto mean(A a) { return sum(a) / size(a); }
template <int Axis, node A>
constexpr auto mean(A a) {
    if constexpr (Axis == 0) return sum<0>(a) / rows(a);
    else return sum<1>(a) / cols(a);
}

} // namespace typegrad
