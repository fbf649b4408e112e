// SPDX-License-Identifier: MIT
// The deep case's step written batch-major, as PyTorch lays out a batch: x is batch ×
// features and a layer is h Wᵀ + b with b a row, so every product the derivation emits
// has PyTorch's orientation (forward h Wᵀ, ∂W = δᵀ h, ∂h = δ W). Same network, data and
// loss as the features-major typegrad_step; W keeps its shape (out × in), so ∂W is
// compared with the manual reference as it is, ∂b transposed.
//
// Why it exists: OpenBLAS's dgemm on AVX-512 (Cooperlake kernel) runs the deep case's
// 1024×1024 products in 6–16% less time in that orientation (README, "Speed"), and this variant
// measures what the layout alone changes in a whole typegrad step.
#include "typegrad_steps.hpp"

namespace typegrad::bench {

namespace {

constexpr auto x = var<"x">; // batch × 784
constexpr auto y = var<"y">; // batch × 10
constexpr auto b1 = row<"fc1.b">;
constexpr auto b2 = row<"fc2.b">;
constexpr auto b3 = row<"fc3.b">;
constexpr auto b4 = row<"fc4.b">;

template <node H, node W, node B>
constexpr auto layer(H h, W w, B b) {
    return matmul(h, transpose(w)) + b;
}

constexpr auto h1 = sigmoid(layer(x, nn::fc<1>::W, b1));
constexpr auto h2 = sigmoid(layer(h1, nn::fc<2>::W, b2));
constexpr auto h3 = sigmoid(layer(h2, nn::fc<3>::W, b3));
constexpr auto a = sigmoid(layer(h3, nn::fc<4>::W, b4));
// binary_cross_entropy divides by its columns, here the classes: rescale to the batch (rows).
constexpr auto J = binary_cross_entropy(a, y) * cols(y) / rows(y);
constexpr auto dJ = grad(J, nn::fc<1>::W, b1, nn::fc<2>::W, b2, nn::fc<3>::W, b3, nn::fc<4>::W, b4);

template <class T>
xt::xtensor<T, 2> transposed(const xt::xtensor<T, 2>& m) {
    return xt::transpose(m);
}

template <class T>
void typegrad_step_batch_major(benchmark::State& state, const mlp_case& c) {
    const problem<T> p(c);
    const xt::xtensor<T, 2> X = transposed(p.x), Y = transposed(p.y);
    std::array<xt::xtensor<T, 2>, 4> B;
    for (std::size_t L = 0; L < 4; ++L) B[L] = transposed(p.params.b[L]);
    const auto values = typegrad::values(x = X, y = Y, nn::fc<1>::W = p.params.W[0], b1 = B[0],
                                         nn::fc<2>::W = p.params.W[1], b2 = B[1], nn::fc<3>::W = p.params.W[2],
                                         b3 = B[2], nn::fc<4>::W = p.params.W[3], b4 = B[3]);
    auto step = compile<T>(dJ);
    step.run(values);

    reference::mlp<T> net(c.widths, reference::activation::sigmoid, reference::head::sigmoid_bce);
    reference::mlp_params<T> g;
    const T J_ref = net.gradient(p.params, p.x, p.y, g);
    const double tol = sizeof(T) == sizeof(float) ? 1e-3 : 1e-9;
    const double worst = std::max(
        {std::abs(double(step.value()) - double(J_ref)) / std::max(1.0, std::abs(double(J_ref))),
         relative_difference(step[nn::fc<1>::W], g.W[0]), relative_difference(step[nn::fc<2>::W], g.W[1]),
         relative_difference(step[nn::fc<3>::W], g.W[2]), relative_difference(step[nn::fc<4>::W], g.W[3]),
         relative_difference(step[b1], transposed(g.b[0])), relative_difference(step[b2], transposed(g.b[1])),
         relative_difference(step[b3], transposed(g.b[2])), relative_difference(step[b4], transposed(g.b[3]))});
    time_step(state,
              worst <= tol ? std::string()
                           : "batch-major typegrad and the manual reference disagree: relative difference " +
                                 std::to_string(worst),
              step, values);
    set_counters(state, c, step_flops(c));
}

} // namespace

template <class T>
void register_batch_major(const mlp_case& c) {
    if (c.depth() != 4) return; // the deep case: the one network of four weight layers
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "typegrad_step_batch_major").c_str(),
                                           typegrad_step_batch_major<T>, c));
}

template void register_batch_major<float>(const mlp_case&);
template void register_batch_major<double>(const mlp_case&);

} // namespace typegrad::bench
