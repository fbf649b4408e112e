// SPDX-License-Identifier: MIT
// Run-time dispatch to the compiled typegrad MLPs: a table of function pointers,
// one per (depth, hidden activation, head), each defined in its own generated unit;
// and gradcheck::run, which checks the one the options choose.
#include <typegrad/gradcheck.hpp>

#include <array>
#include <stdexcept>
#include <string>
#include <utility>

#include "typegrad_mlp.hpp"

namespace typegrad::gradcheck {

namespace {

template <class T>
using matrix = xt::xtensor<T, 2>;

constexpr std::array activations{activation::sigmoid, activation::tanh, activation::relu};
constexpr std::array outputs{head::sigmoid_bce, head::softmax_ce};
constexpr std::size_t per_depth = activations.size() * outputs.size();

// Entry I is depth I / per_depth + 1, activation (I / outputs) % activations, output I % outputs.
template <class T, std::size_t I>
constexpr gradient_fn<T> entry =
    &detail::typegrad_mlp_gradient<I / per_depth + 1,
                                   activations[I / outputs.size() % activations.size()],
                                   outputs[I % outputs.size()], T>;

template <class T, std::size_t... I>
constexpr std::array<gradient_fn<T>, sizeof...(I)> make_table(std::index_sequence<I...>) {
    return {entry<T, I>...};
}

template <class T>
constexpr auto table = make_table<T>(std::make_index_sequence<max_depth * per_depth>{});

template <class T>
std::string shape(const matrix<T>& a) {
    std::string s = "("; // appended: GCC 12 warns falsely (-Wrestrict) on "(" + string
    s += std::to_string(a.shape(0)) + ", " + std::to_string(a.shape(1)) + ")";
    return s;
}

template <class T>
void check(const reference::mlp_params<T>& params, const matrix<T>& x, const matrix<T>& y) {
    const std::string where = "typegrad::gradcheck::typegrad_mlp_gradient: ";
    const std::size_t depth = params.W.size();
    if (depth < 1 || depth > max_depth || params.b.size() != depth)
        throw std::invalid_argument(where + "params has " + std::to_string(depth) +
                                    " weight matrices and " + std::to_string(params.b.size()) +
                                    " biases; expected equal counts from 1 to " +
                                    std::to_string(max_depth));
    if (x.shape(1) == 0)
        throw std::invalid_argument(where + "x has shape " + shape(x) +
                                    ", expected a batch of at least 1");
    std::size_t rows = x.shape(0);
    for (std::size_t l = 0; l < depth; ++l) {
        const auto& W = params.W[l];
        const auto& b = params.b[l];
        if (W.shape(1) != rows || W.shape(0) == 0)
            throw std::invalid_argument(where + "W[" + std::to_string(l) + "] has shape " +
                                        shape(W) + ", expected (n, " + std::to_string(rows) +
                                        ") with n >= 1");
        rows = W.shape(0);
        if (b.shape(0) != rows || b.shape(1) != 1)
            throw std::invalid_argument(where + "b[" + std::to_string(l) + "] has shape " +
                                        shape(b) + ", expected (" + std::to_string(rows) + ", 1)");
    }
    if (y.shape(0) != rows || y.shape(1) != x.shape(1))
        throw std::invalid_argument(where + "y has shape " + shape(y) + ", expected (" +
                                    std::to_string(rows) + ", " + std::to_string(x.shape(1)) + ")");
}

std::size_t index_of(activation a) {
    for (std::size_t i = 0; i < activations.size(); ++i)
        if (activations[i] == a)
            return i;
    throw std::invalid_argument("typegrad::gradcheck: unknown activation");
}

std::size_t index_of(head o) {
    for (std::size_t i = 0; i < outputs.size(); ++i)
        if (outputs[i] == o)
            return i;
    throw std::invalid_argument("typegrad::gradcheck: unknown head");
}

} // namespace

template <class T>
gradient_fn<T> compiled_gradient(std::size_t depth, activation hidden, head out) {
    return table<T>[(depth - 1) * per_depth + index_of(hidden) * outputs.size() + index_of(out)];
}

template <class T>
T typegrad_mlp_gradient(activation hidden, head out, const reference::mlp_params<T>& params,
                        const matrix<T>& x, const matrix<T>& y, reference::mlp_params<T>& grads) {
    check(params, x, y);
    const std::size_t i =
        (params.W.size() - 1) * per_depth + index_of(hidden) * outputs.size() + index_of(out);
    return table<T>[i](params, x, y, grads);
}

report run(const options& opts) {
    const network net = random_network(opts); // validates opts
    const std::size_t depth = opts.layers.size() - 1;
    return opts.type == dtype::float32
               ? check<float>(opts, net, compiled_gradient<float>(depth, opts.hidden, opts.out))
               : check<double>(opts, net, compiled_gradient<double>(depth, opts.hidden, opts.out));
}

template float typegrad_mlp_gradient<float>(activation, head, const reference::mlp_params<float>&,
                                            const matrix<float>&, const matrix<float>&,
                                            reference::mlp_params<float>&);
template double typegrad_mlp_gradient<double>(activation, head,
                                              const reference::mlp_params<double>&,
                                              const matrix<double>&, const matrix<double>&,
                                              reference::mlp_params<double>&);

} // namespace typegrad::gradcheck
