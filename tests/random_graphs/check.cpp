// SPDX-License-Identifier: MIT
// The comparison with central differences and the summary line, compiled once for
// all the generated graphs.
#include <random_graphs/check.hpp>

#include <algorithm>
#include <cmath>
#include <iostream>

namespace typegrad::random_graphs {

namespace {

struct worst {
    double error = 0;
    int graph = -1;
    std::string symbol;
    std::size_t gradients = 0;
    std::size_t graphs = 0;
};

// Totals over the graphs that ran, printed when the test binary exits.
struct summary {
    std::size_t graphs = 0, ops = 0;
    worst first, second;

    ~summary() {
        if (graphs == 0) return;
        std::cout << "random_graphs: " << graphs << " graphs, " << ops << " ops, " << first.gradients
                  << " gradients, worst relative error " << first.error << " (graph " << first.graph << ", ∂f/∂"
                  << first.symbol << "); second derivatives: " << second.graphs << " graphs, " << second.gradients
                  << " gradients, worst relative error " << second.error << " (graph " << second.graph << ", ∂g/∂"
                  << second.symbol << "); tolerance " << tolerance << std::endl;
    }
};

summary totals;

// max |derived − fd| / max(max |fd|, 1e-8) over the entries of theta.
double fd_error(const gradients& g, xt::xtensor<double, 2>& theta, const xt::xtensor<double, 2>& derived) {
    double worst_diff = 0, scale = 1e-8;
    for (std::size_t i = 0; i < theta.size(); ++i) {
        const double keep = theta.data()[i];
        const double h = 1e-5 * std::max(1.0, std::abs(keep));
        theta.data()[i] = keep + h;
        const double up = g.value(g.program);
        theta.data()[i] = keep - h;
        const double down = g.value(g.program);
        theta.data()[i] = keep;
        const double fd = (up - down) / (2 * h);
        scale = std::max(scale, std::abs(fd));
        worst_diff = std::max(worst_diff, std::abs(derived.data()[i] - fd));
    }
    return worst_diff / scale;
}

} // namespace

void count_graph(std::size_t ops) {
    ++totals.graphs;
    totals.ops += ops;
}

void compare_with_finite_differences(const gradients& g) {
    worst& record = g.kind == order::first ? totals.first : totals.second;
    ++record.graphs;
    const int graph = g.graph;
    const std::string function = g.function;
    CAPTURE(graph);
    CAPTURE(function);
    for (std::size_t k = 0; k < g.names.size(); ++k) {
        const std::string& symbol = g.names[k];
        CAPTURE(symbol);
        REQUIRE(g.derived[k].shape() == g.tensors[k]->shape());
        const double error = fd_error(g, *g.tensors[k], g.derived[k]);
        CHECK(error <= tolerance);
        ++record.gradients;
        if (!(error <= record.error)) {
            record.error = error;
            record.graph = graph;
            record.symbol = symbol;
        }
    }
}

} // namespace typegrad::random_graphs
