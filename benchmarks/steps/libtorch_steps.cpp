// SPDX-License-Identifier: MIT
// The C++ peer: the same training step in libtorch, PyTorch's own C++ API, so that
// typegrad is compared C++ against C++ with no interpreter in the way. Built only
// with -DTYPEGRAD_BENCH_LIBTORCH=ON (benchmarks/report turns it on in its own build
// folder): this one unit takes about a minute and a GiB of compiler memory.
//
// Variants, registered beside typegrad's and interleaved with them, for every MLP case
// and for LeNet-5 ("lenet/<dtype>/…"):
//   libtorch_step     forward, loss, torch::autograd::grad of the loss w.r.t. every
//                     weight and bias (what benchmarks/peers/pytorch_mlp.py times)
//   libtorch_forward  the loss alone, under NoGradGuard
// The data are the case's problem<T> (the numbers typegrad and the manual step
// use), laid out as PyTorch users do: batch × features, z = a Wᵀ + b. Before timing,
// the step's loss and gradients are checked against the manual reference.
#include <torch/torch.h>

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "lenet_case.hpp"
#include "suite.hpp"

namespace typegrad::bench {

namespace {

template <class T>
torch::Tensor to_torch(const xt::xtensor<T, 2>& m) {
    const auto dtype = sizeof(T) == sizeof(float) ? torch::kFloat32 : torch::kFloat64;
    return torch::from_blob(const_cast<T*>(m.data()), {long(m.shape(0)), long(m.shape(1))}, dtype).clone();
}

// The network of a case as libtorch tensors: x and y batch × features, Wₗ out × in,
// bₗ of length out (requires_grad on parameters).
template <class T>
struct torch_problem {
    torch::Tensor x, y;
    std::vector<torch::Tensor> params; // W1, b1, W2, b2, ...

    explicit torch_problem(const problem<T>& p) : x(to_torch(p.x).t().contiguous()), y(to_torch(p.y).t().contiguous()) {
        for (std::size_t l = 0; l < p.params.W.size(); ++l) {
            params.push_back(to_torch(p.params.W[l]).requires_grad_());
            params.push_back(to_torch(p.params.b[l]).reshape({-1}).requires_grad_());
        }
    }

    // J = Σ BCE(sigmoid(z), y) / m with the logits of the last layer, as the peer does.
    torch::Tensor loss() const {
        torch::Tensor a = x;
        const std::size_t layers = params.size() / 2;
        for (std::size_t l = 0; l < layers; ++l) {
            torch::Tensor z = torch::addmm(params[2 * l + 1], a, params[2 * l].t());
            a = l + 1 < layers ? torch::sigmoid(z) : z;
        }
        return torch::binary_cross_entropy_with_logits(a, y, {}, {}, at::Reduction::Sum) / double(x.size(0));
    }
};

template <class T>
double relative_difference(const torch::Tensor& got, const xt::xtensor<T, 2>& want) {
    const torch::Tensor g = got.detach().contiguous().reshape({-1});
    if (std::size_t(g.numel()) != want.size())
        return INFINITY;
    const T* p = g.data_ptr<T>();
    double diff = 0, scale = 0;
    for (std::size_t i = 0; i < want.size(); ++i) {
        diff = std::max(diff, std::abs(double(p[i]) - double(want.data()[i])));
        scale = std::max(scale, std::abs(double(want.data()[i])));
    }
    return diff / std::max(scale, 1e-30);
}

// A model's loss and gradients (torch::autograd::grad w.r.t. its params, in order) against
// the manual reference's J and gradients `want`, relative to each tensor's largest entry:
// 1e-3 in float (ex4 sums 5000 columns, LeNet-5's kernels 784 · 128 positions, each in
// its own order), 1e-9 in double. Returns an error naming `what`, or "".
template <class T, class Model>
std::string check_against_reference(const Model& t, T J, const std::vector<const xt::xtensor<T, 2>*>& want,
                                    const std::string& what) {
    const torch::Tensor loss = t.loss();
    const auto grads = torch::autograd::grad({loss}, t.params);
    double worst = std::abs(loss.item<double>() - double(J)) / std::max(1.0, std::abs(double(J)));
    for (std::size_t i = 0; i < want.size(); ++i) worst = std::max(worst, relative_difference(grads[i], *want[i]));
    const double tol = sizeof(T) == sizeof(float) ? 1e-3 : 1e-9;
    return worst <= tol ? "" : what + " and the manual reference disagree: relative difference " + std::to_string(worst);
}

template <class T>
std::string check_against_reference(const mlp_case& c, const problem<T>& p, const torch_problem<T>& t) {
    reference::mlp<T> net(c.widths, reference::activation::sigmoid, reference::head::sigmoid_bce);
    reference::mlp_params<T> g;
    const T J = net.gradient(p.params, p.x, p.y, g);
    std::vector<const xt::xtensor<T, 2>*> want; // W1, b1, W2, b2, ...: torch_problem's order
    for (std::size_t l = 0; l < g.W.size(); ++l) want.insert(want.end(), {&g.W[l], &g.b[l]});
    return check_against_reference(t, J, want, "libtorch");
}

// The timed loops, for any model with loss() and params: the step (loss and
// torch::autograd::grad w.r.t. every parameter) once `error`, the model's check
// against the manual reference, is empty; and the loss alone under NoGradGuard.
template <class Model>
void time_step(benchmark::State& state, const Model& t, const std::string& error) {
    if (!error.empty()) {
        state.SkipWithError(error.c_str());
        return;
    }
    for (auto _ : state) {
        const auto grads = torch::autograd::grad({t.loss()}, t.params);
        benchmark::DoNotOptimize(grads.data());
        benchmark::ClobberMemory();
    }
}

template <class Model>
void time_forward(benchmark::State& state, const Model& t) {
    torch::NoGradGuard no_grad;
    for (auto _ : state) {
        const torch::Tensor J = t.loss();
        benchmark::DoNotOptimize(J.data_ptr());
        benchmark::ClobberMemory();
    }
}

template <class T>
void libtorch_step(benchmark::State& state, const mlp_case& c) {
    const problem<T> p(c);
    const torch_problem<T> t(p);
    time_step(state, t, check_against_reference(c, p, t));
    set_counters(state, c, step_flops(c));
}

template <class T>
void libtorch_forward(benchmark::State& state, const mlp_case& c) {
    const problem<T> p(c);
    time_forward(state, torch_problem<T>(p));
    set_counters(state, c, forward_flops(c));
}

// LeNet-5 as a libtorch user writes it: N×1×28×28 images, conv2d, max_pool2d, linear
// and the mean cross-entropy over class labels, with nn::lenet5's weights reshaped to
// torch's layouts (a kernel row o, channel-major, is torch's weight[o]; the flattened
// pool output is channel-major in both).
template <class T>
struct torch_lenet {
    torch::Tensor x, labels;
    std::vector<torch::Tensor> params; // conv1.K, conv1.b, …, fc3.b, nn::lenet5's order

    explicit torch_lenet(const lenet_data<T>& d)
        : x(to_torch(d.x).t().reshape({long(lenet_batch), 1, 28, 28}).contiguous()), labels(to_torch(d.y).argmax(0)) {
        const std::vector<std::vector<long>> shapes = {{6, 1, 5, 5}, {6},      {16, 6, 5, 5}, {16}, {120, 400},
                                                       {120},        {84, 120}, {84},          {10, 84}, {10}};
        for (std::size_t i = 0; i < shapes.size(); ++i)
            params.push_back(to_torch(d.p[i]).reshape(shapes[i]).clone().requires_grad_());
    }

    torch::Tensor loss() const {
        torch::Tensor a = torch::max_pool2d(torch::relu(torch::conv2d(x, params[0], params[1], 1, 2)), 2);
        a = torch::max_pool2d(torch::relu(torch::conv2d(a, params[2], params[3])), 2).flatten(1);
        a = torch::relu(torch::linear(a, params[4], params[5]));
        a = torch::relu(torch::linear(a, params[6], params[7]));
        return torch::nn::functional::cross_entropy(torch::linear(a, params[8], params[9]), labels);
    }
};

template <class T>
std::string check_lenet_against_reference(const lenet_data<T>& d, const torch_lenet<T>& t) {
    const lenet_expected<T> expected(d);
    std::vector<const xt::xtensor<T, 2>*> want;
    for (const auto& g : expected.g) want.push_back(&g);
    return check_against_reference(t, expected.J, want, "libtorch's LeNet-5");
}

template <class T>
void libtorch_lenet_step(benchmark::State& state) {
    const lenet_data<T> d;
    const torch_lenet<T> t(d);
    time_step(state, t, check_lenet_against_reference(d, t));
    set_lenet_counters(state, lenet_flops(true));
}

template <class T>
void libtorch_lenet_forward(benchmark::State& state) {
    const lenet_data<T> d;
    time_forward(state, torch_lenet<T>(d));
    set_lenet_counters(state, lenet_flops(false));
}

} // namespace

void set_libtorch_threads(int threads) {
    torch::set_num_threads(threads);
    torch::set_num_interop_threads(1);
}

std::string libtorch_version() {
    return std::to_string(TORCH_VERSION_MAJOR) + "." + std::to_string(TORCH_VERSION_MINOR) + "." +
           std::to_string(TORCH_VERSION_PATCH) + " (intra-op threads " + std::to_string(torch::get_num_threads()) + ")";
}

template <class T>
void register_libtorch(const mlp_case& c) {
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "libtorch_step").c_str(), libtorch_step<T>, c));
    configure(benchmark::RegisterBenchmark(benchmark_name<T>(c, "libtorch_forward").c_str(), libtorch_forward<T>, c));
}

template <class T>
void register_libtorch_lenet() {
    const auto name = [](const char* variant) { return std::string("lenet/") + dtype_name<T>() + "/" + variant; };
    configure(benchmark::RegisterBenchmark(name("libtorch_step").c_str(), libtorch_lenet_step<T>));
    configure(benchmark::RegisterBenchmark(name("libtorch_forward").c_str(), libtorch_lenet_forward<T>));
}

template void register_libtorch<float>(const mlp_case&);
template void register_libtorch<double>(const mlp_case&);
template void register_libtorch_lenet<float>();
template void register_libtorch_lenet<double>();

} // namespace typegrad::bench
