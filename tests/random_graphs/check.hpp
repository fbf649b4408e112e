// SPDX-License-Identifier: MIT
// The referee for the generated random graphs (graphs_NN.test.cpp, written by
// generate.py): every derived gradient against central differences in double, and
// the worst relative error kept for the summary line the test binary prints at exit:
//
//   random_graphs: <graphs> graphs, <ops> ops, <n> gradients, worst relative error <e> (graph <id>, ∂f/∂<θ>); ...
//
// Error metric, as in tests/support/finite_differences.hpp: for each symbol θ,
// max |derived − fd| / max(max |fd|, 1e-8), the worst entry relative to the scale of
// ∂f/∂θ. Step h = 1e-5·max(1, |θ|).
//
// Tolerance 1e-6. generate.py keeps only graphs whose central differences it has shown
// to be reliable: in its own double evaluation, the differences with steps h and 2h
// agree to 1e-8 of the gradient's scale (their gap is about three times the truncation
// error of the h stencil plus the rounding error), values stay under 1e3 and no relu
// input is within 1e-3 of its kink; the rounding of the differences, which this
// evaluation may do differently, is bounded a priori at 1e-7 of the scale (4 ulps of
// |f| over the step). So the reference is accurate to ~1e-7 or better and the
// tolerance leaves a factor of 10 or more for it, while a wrong derivative rule, a missing
// adjoint term or a wrong broadcast sum shows as an error of order one.
//
// One program per graph computes f, its gradient and, for the second-order subset, g
// and g's gradient; the same program supplies f (or g) for the differences.
#pragma once

#include <cstddef>
#include <string>
#include <tuple>
#include <vector>

#include <doctest/doctest.h>
#include <xtensor/xtensor.hpp>

#include <typegrad/typegrad.hpp>

namespace typegrad::random_graphs {

inline constexpr double tolerance = 1e-6;

enum class order { first, second };

// One graph's derived gradients, with what the finite differences need: the bound
// tensors to perturb and a way to evaluate f. The comparison itself (check.cpp) is
// compiled once; each graph instantiates only its program.
struct gradients {
    int graph = 0;
    const char* function = "";
    void* program = nullptr;
    double (*value)(void* program) = nullptr; // runs the program, returns f
    std::vector<std::string> names;
    std::vector<xt::xtensor<double, 2>*> tensors;
    std::vector<xt::xtensor<double, 2>> derived;
    order kind = order::first;
};

// Checks every derived gradient against central differences; records the worst error.
void compare_with_finite_differences(const gradients& g);
// Counts a graph and its ops for the summary line.
void count_graph(std::size_t ops);

// One graph to check: f, the symbols to differentiate by and their bound tensors.
template <class F, class Wrt, class Tensors>
struct graph_check {
    int id;
    const char* function;
    order kind;
    Tensors tensors;
};

// A graph's first derivatives: grad(f, wrt...) for every symbol f depends on; `ops`
// counts its operations for the summary.
template <class F, class... Wrt, class... Tensors>
auto first_derivatives(int id, std::size_t ops, const char* function, F, std::tuple<Wrt...>,
                       std::tuple<Tensors&...> tensors) {
    count_graph(ops);
    return graph_check<F, meta::type_list<Wrt...>, std::tuple<Tensors&...>>{id, function, order::first, tensors};
}

// Second derivatives: g = Σ V ⊙ ∂f/∂θ (a Hessian-vector product of f, and ∂f/∂θ
// itself with respect to V) is a derived expression; its own gradient is checked
// against central differences of g like any first derivative.
template <class F, class Theta, class V, class... Wrt, class... Tensors>
auto second_derivatives(int id, const char* function, F, Theta, V, std::tuple<Wrt...>,
                        std::tuple<Tensors&...> tensors) {
    using g = decltype(sum(grad(F{}, Theta{})[Theta{}] * V{}));
    return graph_check<g, meta::type_list<Wrt...>, std::tuple<Tensors&...>>{id, function, order::second, tensors};
}

namespace detail {

template <class Check>
struct outputs_of;
template <class F, class... Wrt, class Tensors>
struct outputs_of<graph_check<F, meta::type_list<Wrt...>, Tensors>> {
    using adjoints = typename gradient<F, Wrt...>::adjoints;
    using type = meta::concat_t<meta::type_list<F>, adjoints>;
};

template <class Outputs>
struct program_for;
template <class... O>
struct program_for<meta::type_list<O...>> {
    using type = program<double, O...>;
};

// The derived gradients of one graph, copied from the program's buffers (which the
// finite differences overwrite).
template <class Bound, class F, class... Wrt, class Tensors>
gradients derived(Bound& b, const graph_check<F, meta::type_list<Wrt...>, Tensors>& check) {
    using adjoints = typename gradient<F, Wrt...>::adjoints;
    gradients g;
    g.graph = check.id;
    g.function = check.function;
    g.program = &b;
    g.value = [](void* p) {
        auto& self = *static_cast<Bound*>(p);
        self.program.run(*self.values);
        return self.program[F{}](0, 0);
    };
    g.names = {std::string(Wrt::name.view())...};
    g.tensors = std::apply([](auto&... t) { return std::vector<xt::xtensor<double, 2>*>{&t...}; }, check.tensors);
    [&]<std::size_t... I>(std::index_sequence<I...>) {
        g.derived = {xt::xtensor<double, 2>(b.program[meta::at<adjoints, I>{}])...};
    }(std::index_sequence_for<Wrt...>{});
    g.kind = check.kind;
    return g;
}

} // namespace detail

// Evaluates the functions and derived gradients of several graphs in one program
// (their symbols are distinct, so each derivation is the one grad(f, ...) makes on
// its own) and compares each gradient with central differences of its own f.
template <class Values, class... Checks>
void check(const Values& values, const Checks&... checks) {
    using outputs = meta::concat_t<typename detail::outputs_of<Checks>::type...>;
    struct bound {
        typename detail::program_for<outputs>::type program;
        const Values* values;
    } b{{}, &values};
    b.program.run(values);
    const gradients all[] = {detail::derived(b, checks)...};
    for (const gradients& g : all) compare_with_finite_differences(g);
}

} // namespace typegrad::random_graphs
