// SPDX-License-Identifier: MIT
// checkpoint_compare A B TOLERANCE: prints, for every parameter and optimiser tensor, the
// largest difference between A and B relative to the largest magnitude of that tensor in A,
// and exits 1 if one exceeds TOLERANCE (0: must be bit-identical), 2 on unreadable input.
// The distributed tests compare N ranks against one process with it.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <variant>

#include <typegrad/io/checkpoint.hpp>

namespace io = typegrad::io;

namespace {
template <class A, class B>
double relative_difference(const A& a, const B& b) {
    if constexpr (!std::is_same_v<A, B>) return INFINITY;
    else {
        if (a.shape() != b.shape()) return INFINITY;
        double largest = 0, difference = 0;
        for (std::size_t i = 0; i < a.size(); ++i) {
            largest = std::max(largest, std::abs(double(a.data()[i])));
            difference = std::max(difference, std::abs(double(a.data()[i]) - double(b.data()[i])));
        }
        return largest > 0 ? difference / largest : difference;
    }
}

double compare(const char* section, const std::vector<io::named_tensor>& a, const std::vector<io::named_tensor>& b) {
    double worst = 0;
    if (a.size() != b.size()) return INFINITY;
    for (std::size_t i = 0; i < a.size(); ++i) {
        const double d = a[i].name != b[i].name ? INFINITY
                                                : std::visit([](const auto& x, const auto& y) { return relative_difference(x, y); },
                                                             a[i].value, b[i].value);
        std::printf("%s %-24s max_rel_difference=%.3e\n", section, a[i].name.c_str(), d);
        worst = std::max(worst, d);
    }
    return worst;
}
} // namespace

int main(int argc, char** argv) {
    if (argc != 4) {
        std::fprintf(stderr, "usage: checkpoint_compare A B TOLERANCE\n");
        return 2;
    }
    try {
        const auto a = io::load_checkpoint(argv[1]), b = io::load_checkpoint(argv[2]);
        const double tolerance = std::stod(argv[3]);
        const double worst = std::max(compare("parameter", a.parameters, b.parameters),
                                      compare("optimiser", a.optimiser_tensors, b.optimiser_tensors));
        std::printf("worst max_rel_difference=%.3e tolerance=%.1e\n", worst, tolerance);
        return worst <= tolerance ? 0 : 1;
    } catch (const std::exception& e) {
        std::fprintf(stderr, "checkpoint_compare: %s\n", e.what());
        return 2;
    }
}
