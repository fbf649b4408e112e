// SPDX-License-Identifier: MIT
// The training loop for a dense classifier of Depth layers on Fashion-MNIST:
// the model and its gradient are compile-time values; this file binds tensors to
// them and runs Adam or SGD over mini-batches.
#pragma once

#include <chrono>
#include <ctime>
#include <cstdio>
#include <iostream>
#include <random>
#include <string>
#include <vector>

#include <xtensor/xview.hpp>

#include <typegrad/data/dataset.hpp>
#include <typegrad/exec/gemm.hpp>
#include <typegrad/io/checkpoint.hpp>
#include <typegrad/nn/init.hpp>
#include <typegrad/nn/model.hpp>
#include <typegrad/nn/optim.hpp>
#include <typegrad/typegrad.hpp>

#include "data_parallel.hpp"
#include "gradient_check.hpp"
#include "options.hpp"
#include "progress.hpp"

namespace tg = typegrad;

// The index of the largest entry of column j.
inline std::size_t argmax_column(const xt::xtensor<float, 2>& z, std::size_t j) {
    std::size_t best = 0;
    for (std::size_t i = 1; i < z.shape(0); ++i)
        if (z(i, j) > z(best, j)) best = i;
    return best;
}

// Each line of text, indented by two spaces.
inline std::string indent(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start < text.size()) {
        const std::size_t end = text.find('\n', start);
        const std::size_t stop = end == std::string::npos ? text.size() : end;
        if (stop > start) out += "  " + text.substr(start, stop - start) + "\n";
        start = stop + 1;
    }
    return out;
}

template <std::size_t Depth, class Activation>
int train(const options& opt) {
    using model = tg::nn::classifier<tg::nn::dense_stack<Depth, Activation>>;
    using parameters = typename model::parameters; // fc1.W, fc1.b, fc2.W, ...
    constexpr auto x = model::x;
    constexpr auto y = model::y;
    tg::blas::set_threads(opt.threads);

    // With --distributed every rank loads; a file missing on one rank stops all of them.
    auto sets = on_every_rank(opt, [&] {
        return std::pair(tg::data::load_fashion_mnist<float>(opt.data_dir, tg::data::split::train),
                         tg::data::load_fashion_mnist<float>(opt.data_dir, tg::data::split::test));
    });
    auto& train_set = sets.first;
    auto& test_set = sets.second;
    if (opt.train_limit > 0 && opt.train_limit < train_set.size())
        train_set = tg::data::dataset<float>(xt::xtensor<float, 2>(xt::view(train_set.images(), xt::all(), xt::range(0, opt.train_limit))),
                                             std::vector<std::uint8_t>(train_set.labels().begin(), train_set.labels().begin() + long(opt.train_limit)),
                                             train_set.classes());

    // Parameters: fcL.W is sizes[L] × sizes[L−1], fcL.b is sizes[L] × 1.
    std::vector<std::size_t> sizes = {train_set.features()};
    sizes.insert(sizes.end(), opt.hidden.begin(), opt.hidden.end());
    sizes.push_back(train_set.classes());
    std::vector<xt::xtensor<float, 2>> tensors(2 * Depth);
    std::mt19937_64 rng(opt.seed);
    for (std::size_t l = 0; l < Depth; ++l) {
        tensors[2 * l] = xt::zeros<float>({sizes[l + 1], sizes[l]});
        tensors[2 * l + 1] = xt::zeros<float>({sizes[l + 1], std::size_t(1)});
        if (opt.activation == "relu") tg::nn::he_uniform(tensors[2 * l], rng);
        else tg::nn::xavier_uniform(tensors[2 * l], rng);
    }
    std::vector<tg::nn::parameter<float>> params;
    [&]<class... P>(tg::meta::type_list<P...>) {
        std::size_t i = 0;
        ((params.push_back({std::string(P::name.view()), &tensors[i++]})), ...);
    }(parameters{});

    xt::xtensor<float, 2> X, Y;
    auto values = [&]<class... P, std::size_t... I>(tg::meta::type_list<P...>, std::index_sequence<I...>) {
        return tg::values(x = X, y = Y, (P{} = tensors[I])...);
    }(parameters{}, std::make_index_sequence<2 * Depth>{});

    auto step = tg::compile<float>(model::gradient);
    step.detect_anomalies(opt.detect_anomalies);
    std::vector<const xt::xtensor<float, 2>*> grads;
    [&]<class... P>(tg::meta::type_list<P...>) { (grads.push_back(&step[P{}]), ...); }(parameters{});

    tg::nn::adam<float> adam({.lr = opt.lr, .weight_decay = opt.weight_decay});
    tg::nn::sgd<float> sgd({.lr = opt.lr, .momentum = opt.momentum, .weight_decay = opt.weight_decay});
    const bool use_adam = opt.optimizer == "adam";

    // One process, or this rank's shard and the gradient sums across ranks (--distributed).
    batch_runner<float> runner(opt, params, grads, decltype(step)::ready_order());

    std::size_t first_epoch = 0;
    if (!opt.resume.empty()) on_every_rank(opt, [&] {
        const auto saved = tg::io::load_checkpoint(opt.resume);
        tg::io::restore_parameters(saved, params);
        auto state = tg::io::optimiser_state_of<float>(saved);
        for (auto it = state.scalars.begin(); it != state.scalars.end(); ++it)
            if (it->name == "trainer/epoch") {
                first_epoch = std::size_t(it->value);
                state.scalars.erase(it);
                break;
            }
        if (use_adam) adam.load_state(state, params);
        else sgd.load_state(state, params);
        std::cout << "resumed from " << opt.resume << " after epoch " << first_epoch << "\n";
    });
    runner.synchronise_parameters();

    std::cout << "model:\n" << indent(tg::formula(model::logits));
    if (opt.show_gradient) std::cout << "gradient, as derived at compile time:\n" << indent(tg::formula(model::gradient));
    if (opt.gradcheck) {
        tg::data::batching probe{.size = 32, .last = tg::data::last_batch::smaller};
        train_set.fill_batch(0, probe, X, Y);
        std::cout << gradient_check<model, Depth>(tensors, X, Y, opt.activation) << std::endl;
    }

    const tg::data::batching batches{.size = opt.batch, .last = tg::data::last_batch::smaller};
    auto logits = tg::compile<float>(model::logits);
    double accuracy = 0;
    for (std::size_t epoch = first_epoch; epoch < opt.epochs; ++epoch) {
        const auto start = std::chrono::steady_clock::now();
        const std::clock_t cpu_start = std::clock(); // on a shared machine CPU time is the steadier figure
        train_set.shuffle(opt.seed * 1000003u + epoch); // the order depends on (seed, epoch) only
        const std::size_t count = train_set.batch_count(batches);
        progress_bar bar(count, speaks(opt));
        double loss_sum = 0;
        std::size_t seen = 0;
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t m = runner.step(i, train_set, batches, X, Y, step, values);
            if (use_adam) adam.step(params, runner.gradients());
            else sgd.step(params, runner.gradients());
            if (m > 0) loss_sum += double(step.value()) * double(m);
            seen += m;
            bar.update(i + 1, loss_sum / double(seen), seen);
        }
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        const double cpu_seconds = double(std::clock() - cpu_start) / CLOCKS_PER_SEC;

        const tg::data::batching eval_batches{.size = 1000, .last = tg::data::last_batch::smaller};
        std::size_t correct = 0;
        for (std::size_t i = 0; i < test_set.batch_count(eval_batches); ++i) {
            if (!runner.evaluates(i)) continue;
            const std::size_t m = test_set.fill_batch(i, eval_batches, X, Y);
            logits.run(values);
            const auto& z = logits[model::logits];
            for (std::size_t j = 0; j < m; ++j) correct += Y(argmax_column(z, j), j) == 1.0f;
        }
        double totals[] = {loss_sum, double(seen), double(correct)}; // over every rank
        runner.sum(totals);
        loss_sum = totals[0], seen = std::size_t(totals[1]), correct = std::size_t(totals[2]);
        accuracy = double(correct) / double(test_set.size());
        std::printf("epoch %zu/%zu  train_loss=%.4f  test_accuracy=%.4f  seconds=%.2f  cpu_seconds=%.2f\n", epoch + 1,
                    opt.epochs, loss_sum / double(seen), accuracy, seconds, cpu_seconds);
        std::fflush(stdout);

        runner.end_epoch(epoch);
        if (!opt.save.empty()) on_every_rank(opt, [&] { // rank 0 writes it
            if (!speaks(opt)) return;
            tg::io::checkpoint c;
            tg::io::store_parameters(c, params);
            auto state = use_adam ? adam.state() : sgd.state();
            state.scalars.push_back({"trainer/epoch", double(epoch + 1)});
            tg::io::store_optimiser(c, state);
            tg::io::save_checkpoint(opt.save, c);
        });
    }
    std::printf("test_accuracy=%.4f\n", accuracy);
    return 0;
}
