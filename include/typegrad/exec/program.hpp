// SPDX-License-Identifier: MIT
// The executor. For a fixed set of output expressions it decides at compile time
// which nodes get a buffer (materialised) and which are fused into their
// consumer's loop; at run time it checks shapes, (re)sizes buffers only when the
// bound shapes change, and computes every needed node once, in topological order.
// There is no tape and nothing is dispatched virtually: the schedule is the type.
//
// A node is materialised when it is an output, is read by more than one consumer,
// is not elementwise (matrix products, reductions, softmax, losses), or feeds an
// op that needs a buffer under it (matmul, transpose, reductions).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstddef>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/exec/gemm.hpp>
#include <typegrad/exec/values.hpp>
#include <typegrad/expr/graph.hpp>
#include <typegrad/ops/broadcast.hpp>
#include <typegrad/ops/matmul.hpp>
#include <typegrad/print/graph_text.hpp>

namespace typegrad {

// A run-time shape mismatch: the message names the op, the expression with its
// symbols, and the shapes.
struct shape_error : std::invalid_argument {
    using std::invalid_argument::invalid_argument;
};

// A NaN or infinity found by anomaly detection: the message names the first node
// whose value is not finite, as the printer shows it, and the symbols it depends on.
struct anomaly_error : std::runtime_error {
    using std::runtime_error::runtime_error;
};

namespace detail {

template <class N>
constexpr op_kind kind_of() {
    if constexpr (requires { N::op::kind; }) return N::op::kind;
    else return op_kind::elementwise;
}

template <class N>
constexpr bool wants_buffers() {
    if constexpr (requires { N::op::materialize_operands; }) return N::op::materialize_operands;
    else return false;
}

template <class Nodes, class... Outputs>
struct schedule {
    using tables = graph<Nodes>;
    static constexpr std::size_t size = tables::size;

    template <std::size_t I>
    using node = typename tables::template node<I>;

    static constexpr std::array<bool, size> output = [] {
        std::array<bool, size> out{};
        ((out[meta::index_of<Nodes, Outputs>] = true), ...);
        return out;
    }();

    static constexpr auto make_flags = []<std::size_t... I>(std::index_sequence<I...>) {
        struct flags {
            std::array<op_kind, size> kind;
            std::array<bool, size> is_symbol, is_literal, wants_buffers, is_transpose;
        };
        return flags{{kind_of<node<I>>()...},
                     {is_symbol_v<node<I>>...},
                     {is_literal_v<node<I>>...},
                     {wants_buffers<node<I>>()...},
                     {is_op_v<node<I>, transpose_op>...}};
    };
    static constexpr auto flags = make_flags(std::make_index_sequence<size>{});

    // needed: its value is read by an output, directly or through other nodes.
    // materialised: it owns a buffer.
    static constexpr auto plan = [] {
        struct result {
            std::array<bool, size> needed{}, materialized{};
        };
        result r{};
        for (std::size_t i = size; i-- > 0;) {
            if (output[i]) r.needed[i] = true;
            if (!r.needed[i]) continue;
            for (std::size_t k = 0; k < tables::arity[i]; ++k)
                if (tables::reads_value[i][k]) r.needed[tables::operands[i][k]] = true;
        }
        for (std::size_t i = 0; i < size; ++i) {
            if (!r.needed[i]) continue;
            if (flags.is_symbol[i]) { // read in place; copied only when it is itself an output
                r.materialized[i] = output[i];
                continue;
            }
            std::size_t uses = output[i] ? 1 : 0;
            bool buffer_wanted = output[i];
            for (std::size_t e = tables::consumers.first[i]; e < tables::consumers.first[i + 1]; ++e) {
                const auto [j, k] = tables::consumers.edges[e];
                if (!r.needed[j] || !tables::reads_value[j][k]) continue;
                ++uses;
                // matmul reads a transpose as a BLAS flag: the transpose needs no
                // buffer of its own, its operand does (the transpose asks for it).
                if (flags.wants_buffers[j] && !(flags.kind[j] == op_kind::gemm && flags.is_transpose[i]))
                    buffer_wanted = true;
            }
            if (flags.is_literal[i]) r.materialized[i] = buffer_wanted;
            else r.materialized[i] = buffer_wanted || uses > 1 || flags.kind[i] != op_kind::elementwise;
        }
        return r;
    }();
};

} // namespace detail

// Evaluates Outputs... over bound values of scalar type T.
template <class T, class... Outputs>
class program {
  public:
    using order = topological_order<Outputs...>;
    using schedule = detail::schedule<order, Outputs...>;
    using tables = typename schedule::tables;
    static constexpr std::size_t size = tables::size;

    program() : buffers_(size) {}

    // Called with std::integral_constant<std::size_t, I>{} right after materialised node I is
    // computed: its buffer is final for this run. The distributed trainer uses it to send a
    // gradient while the rest of the backward pass still runs; the default does nothing.
    struct no_observer {
        template <std::size_t I>
        void operator()(std::integral_constant<std::size_t, I>) const noexcept {}
    };

    // Computes every output for these values. Buffers are reused while the bound
    // shapes stay the same, so a steady-state call does not allocate.
    template <class Values, class Observer = no_observer>
    void run(const Values& values, Observer&& observer = {}) {
        static_assert(std::is_same_v<typename value_type_of_values<Values>::type, T>,
                      "typegrad: the bound values' scalar type differs from the program's");
        values_ = &values;
        // Shapes follow from the bound values' shapes alone: while those stay the
        // same, the last inference (and its checks) still holds.
        if (!shapes_valid_ || !same_bound_shapes<Values>(std::make_index_sequence<size>{})) {
            shapes_valid_ = false;
            infer_shapes<Values>(std::make_index_sequence<size>{});
            shapes_valid_ = true;
        }
        compute_all<Values>(std::make_index_sequence<size>{}, observer);
        values_ = nullptr;
    }

    // The value of output node N after run().
    template <class N>
    const xt::xtensor<T, 2>& operator[](N) const {
        static_assert(meta::contains_v<order, N>, "typegrad: program[node] requires one of the program's outputs");
        constexpr std::size_t i = tables::template id<N>;
        static_assert(schedule::output[i], "typegrad: program[node] requires one of the program's outputs");
        return buffers_[i];
    }

    shape2 shape_of_node(std::size_t i) const { return shapes_[i]; }

    // Describes node i for an anomaly report ("log(a3) in the forward pass").
    using node_namer = std::string (*)(std::size_t);

    // Anomaly detection, off by default: while on, every materialised node is checked
    // for NaN and infinity as soon as it is computed, and the first bad one throws
    // anomaly_error. Off, it costs one predictable branch per node and run.
    void detect_anomalies(bool on = true, node_namer namer = &graph_text<order>::text) {
        namer_ = on ? namer : nullptr;
    }
    bool detects_anomalies() const { return namer_ != nullptr; }

  private:
    template <std::size_t I>
    using node = typename tables::template node<I>;

    template <class Values, std::size_t... I>
    bool same_bound_shapes(std::index_sequence<I...>) const {
        return (same_bound_shape<Values, I>() && ...);
    }

    template <class Values, std::size_t I>
    bool same_bound_shape() const {
        if constexpr (is_symbol_v<node<I>>) {
            const auto& v = static_cast<const Values*>(values_)->template get<node<I>::name>();
            return v.shape(0) == shapes_[I].rows && v.shape(1) == shapes_[I].cols;
        } else {
            return true;
        }
    }

    template <class Values, std::size_t... I>
    void infer_shapes(std::index_sequence<I...>) {
        (infer_shape<Values, I>(), ...);
    }

    template <class Values, std::size_t I>
    void infer_shape() {
        using N = node<I>;
        shape2& out = shapes_[I];
        if constexpr (is_symbol_v<N>) {
            const auto& v = static_cast<const Values*>(values_)->template get<N::name>();
            out = {v.shape(0), v.shape(1)};
            if ((N::rows != dyn && std::size_t(N::rows) != out.rows) ||
                (N::cols != dyn && std::size_t(N::cols) != out.cols))
                throw shape_error("typegrad: the value bound to " + std::string(N::name.view()) + " is " +
                                  to_string(out) + " but " + std::string(N::name.view()) + " is declared " +
                                  static_dims(N::rows, N::cols));
        } else if constexpr (is_literal_v<N>) {
            out = {1, 1};
        } else {
            operand_shapes<N, I>(out, operands_t<N>{});
        }
        if (schedule::plan.materialized[I]) {
            auto& b = buffers_[I];
            if (b.shape(0) != out.rows || b.shape(1) != out.cols) b.resize({out.rows, out.cols});
        }
    }

    template <class N, std::size_t I, class... A>
    void operand_shapes(shape2& out, meta::type_list<A...>) {
        const std::array<shape2, sizeof...(A)> in = {shapes_[tables::template id<A>]...};
        if (!N::op::template shape<A...>(out, in)) shape_mismatch(std::string_view(N::op::name), I, in.data(), in.size());
    }

    // Out of line and independent of the node's type: the message is built from
    // the graph's tables, so no printer is compiled per node.
    [[noreturn]] static void shape_mismatch(std::string_view op, std::size_t i, const shape2* in, std::size_t n) {
        using text = graph_text<order>;
        std::string operands, shapes;
        for (std::size_t k = 0; k < n; ++k) {
            operands += (k ? ", " : "") + text::text(tables::operands[i][k]);
            shapes += (k ? " and " : "") + to_string(in[k]);
        }
        throw shape_error("typegrad: shape mismatch in " + std::string(op) + ": " + text::text(i) + " has operands " +
                          operands + " of shapes " + shapes + " (symbols involved: " + text::symbols(i) +
                          "; a dimension broadcasts only where it is declared 1, e.g. col<\"b\"> for a bias)");
    }

    static std::string static_dims(dim r, dim c) {
        auto d = [](dim x) { return x == dyn ? std::string("?") : std::to_string(x); };
        return d(r) + "×" + d(c);
    }

    template <class Values, class Observer, std::size_t... I>
    void compute_all(std::index_sequence<I...>, Observer& observer) {
        ((compute<Values, I>(), observe<I>(observer)), ...);
    }

    template <std::size_t I, class Observer>
    static void observe(Observer& observer) {
        if constexpr (schedule::plan.materialized[I]) observer(std::integral_constant<std::size_t, I>{});
    }

    template <class Values, std::size_t I>
    void compute() {
        if constexpr (schedule::plan.materialized[I]) {
            using N = node<I>;
            auto& out = buffers_[I];
            if constexpr (is_literal_v<N>) {
                out.fill(N::template value<T>());
            } else if constexpr (is_symbol_v<N>) {
                const auto& v = static_cast<const Values*>(values_)->template get<N::name>();
                std::copy_n(v.data(), v.size(), out.data());
            } else if constexpr (detail::kind_of<N>() == op_kind::elementwise) {
                assign(out, body<Values, I>());
            } else if constexpr (detail::kind_of<N>() == op_kind::gemm) {
                constexpr std::size_t a = tables::operands[I][0], b = tables::operands[I][1];
                blas::gemm(flag<a>(), flag<b>(), T(1), matrix<Values, a>(), matrix<Values, b>(), T(0), out);
            } else {
                compute_op<Values, N, I>(out, std::make_index_sequence<operands_t<N>::size>{});
            }
            if (namer_) [[unlikely]]
                check_finite(out, I);
        }
    }

    void check_finite(const xt::xtensor<T, 2>& out, std::size_t i) const {
        const std::size_t cols = out.shape(1);
        for (std::size_t k = 0; k < out.size(); ++k) {
            const T v = out.data()[k];
            if (std::isfinite(v)) continue;
            throw anomaly_error("typegrad: anomaly: " + namer_(i) + " is " + (std::isnan(v) ? "NaN" : v > 0 ? "+inf" : "-inf") +
                                " at (" + std::to_string(k / cols) + ", " + std::to_string(k % cols) + ") of its " +
                                to_string(shapes_[i]) + " value; it depends on " + graph_text<order>::symbols(i));
        }
    }

    // One loop over the output for a whole fused chain. The kernel is inlined into
    // the inner loop, where every operand is read contiguously or broadcast, so the
    // compiler can vectorise it.
    template <class Kernel>
    static void assign(xt::xtensor<T, 2>& out, const Kernel& k) {
        const std::size_t rows = out.shape(0), cols = out.shape(1);
        T* o = out.data();
        for (std::size_t i = 0; i < rows; ++i, o += cols)
            for (std::size_t j = 0; j < cols; ++j) o[j] = k(i, j);
    }

    template <class Values, class N, std::size_t I, std::size_t... K>
    void compute_op(xt::xtensor<T, 2>& out, std::index_sequence<K...>) {
        N::op::compute(out, operand_for_compute<Values, I, K>()...);
    }

    template <class Values, std::size_t I, std::size_t K>
    decltype(auto) operand_for_compute() const {
        constexpr std::size_t j = tables::operands[I][K];
        if constexpr (!tables::reads_value[I][K]) return shapes_[j];
        else return matrix<Values, j>();
    }

    // A node as a whole matrix: the bound value or its buffer.
    template <class Values, std::size_t J>
    const xt::xtensor<T, 2>& matrix() const {
        using N = node<J>;
        if constexpr (is_symbol_v<N>) {
            return static_cast<const Values*>(values_)->template get<N::name>();
        } else if constexpr (schedule::flags.is_transpose[J] && !schedule::plan.materialized[J]) {
            return matrix<Values, tables::operands[J][0]>(); // read with a transpose flag
        } else {
            static_assert(schedule::plan.materialized[J], "typegrad: internal: matrix() of a fused node");
            return buffers_[J];
        }
    }

    template <std::size_t J>
    static constexpr blas::transpose flag() {
        if constexpr (schedule::flags.is_transpose[J] && !schedule::plan.materialized[J]) return blas::transpose::yes;
        else return blas::transpose::no;
    }

    // Node J inside an elementwise loop, as a function of the output index (i, j):
    // a constant, a read of a buffer or bound value, or (for a fused node) its op's
    // scalar rule over its operands' kernels. Broadcasting is static — a dimension
    // broadcasts exactly where it is statically 1 — so a broadcast read is a zero
    // stride known at compile time and the inner loop stays contiguous.
    template <class Values, std::size_t J>
    auto kernel() const {
        using N = node<J>;
        if constexpr (is_literal_v<N>) {
            return [v = N::template value<T>()](std::size_t, std::size_t) { return v; };
        } else if constexpr (is_symbol_v<N> || schedule::plan.materialized[J]) {
            return read<N::rows == 1, N::cols == 1>(matrix<Values, J>());
        } else {
            return body<Values, J>();
        }
    }

    // What node J computes, as a kernel over its operands.
    template <class Values, std::size_t J>
    auto body() const {
        using N = node<J>;
        if constexpr (is_op_v<N, transpose_op>) { // of a bound value or buffer: Aᵀ(i, j) = A(j, i)
            const xt::xtensor<T, 2>& a = matrix<Values, tables::operands[J][0]>();
            return [p = a.data(), ld = a.shape(1)](std::size_t i, std::size_t j) {
                return p[(N::cols == 1 ? 0 : j) * ld + (N::rows == 1 ? 0 : i)];
            };
        } else if constexpr (is_op_v<N, expand_op>) { // the operand reads itself with its own broadcasting
            return kernel<Values, tables::operands[J][0]>();
        } else if constexpr (operands_t<N>::size == 1) {
            return [a = kernel<Values, tables::operands[J][0]>()](std::size_t i, std::size_t j) {
                return N::op::apply(a(i, j));
            };
        } else {
            return [a = kernel<Values, tables::operands[J][0]>(),
                    b = kernel<Values, tables::operands[J][1]>()](std::size_t i, std::size_t j) {
                return N::op::apply(a(i, j), b(i, j));
            };
        }
    }

    template <bool RowBroadcast, bool ColBroadcast>
    static auto read(const xt::xtensor<T, 2>& a) {
        return [p = a.data(), ld = a.shape(1)](std::size_t i, std::size_t j) {
            return p[(RowBroadcast ? 0 : i * ld) + (ColBroadcast ? 0 : j)];
        };
    }

    const void* values_ = nullptr;
    node_namer namer_ = nullptr;
    bool shapes_valid_ = false;
    std::array<shape2, size> shapes_{};
    std::vector<xt::xtensor<T, 2>> buffers_;
};

} // namespace typegrad
