// SPDX-License-Identifier: MIT
// The training loop for any model of models.hpp on Fashion-MNIST: the model and its
// gradient are compile-time values, its parameters live in a parameter store typed by
// the model and the optimiser (a closed choice, nn::any_optimiser), and the loop is the
// same for every model and optimiser.
#pragma once

#include <chrono>
#include <cmath>
#include <ctime>
#include <cstdint>
#include <cstdio>
#include <iostream>
#include <optional>
#include <random>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <variant>
#include <vector>

#include <xtensor/xview.hpp>

#include <typegrad/data/dataset.hpp>
#include <typegrad/exec/gemm.hpp>
#include <typegrad/gradcheck/differences.hpp>
#include <typegrad/io/parameter_store.hpp>
#include <typegrad/nn/dropout.hpp>
#include <typegrad/nn/parameter_store.hpp>
#include <typegrad/nn/schedule.hpp>
#include <typegrad/typegrad.hpp>

#include "data_parallel.hpp"
#include "models.hpp"
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

// Keeps the first `limit` examples of a set (all of them if limit is 0).
inline void keep_first(tg::data::dataset<float>& set, std::size_t limit) {
    if (limit == 0 || limit >= set.size()) return;
    set = tg::data::dataset<float>(xt::xtensor<float, 2>(xt::view(set.images(), xt::all(), xt::range(0, limit))),
                                   std::vector<std::uint8_t>(set.labels().begin(), set.labels().begin() + long(limit)),
                                   set.classes());
}

// The trainer's scalar `name` (stored beside the optimiser's), taken out of c; none if absent.
inline std::optional<double> take_scalar(tg::io::checkpoint& c, std::string_view name) {
    auto& scalars = c.optimiser_scalars;
    for (auto it = scalars.begin(); it != scalars.end(); ++it)
        if (it->name == name) {
            const double v = it->value;
            scalars.erase(it);
            return v;
        }
    return std::nullopt;
}

// The checkpoint's epoch count, taken out of c.
inline std::size_t take_epoch(tg::io::checkpoint& c) {
    const auto epoch = take_scalar(c, "trainer/epoch");
    if (!epoch) return 0;
    if (!(*epoch >= 0 && *epoch <= 1e6 && *epoch == std::floor(*epoch)))
        throw tg::io::checkpoint_error("checkpoint: trainer/epoch " + std::to_string(*epoch) + " is not an epoch count");
    return std::size_t(*epoch);
}

// The learning rate of every epoch: a schedule and the rate it starts from.
struct rate_plan {
    tg::nn::lr_schedule schedule;
    double base;
    double at(std::size_t epoch, std::size_t epochs) const { return tg::nn::learning_rate(schedule, base, epoch, epochs); }
};

// A checkpoint keeps the plan beside the epoch count, so that a resumed run anneals from
// the rate the run started with, not from whatever --lr the resuming command gives.
inline void put_rate_plan(tg::io::checkpoint& c, const rate_plan& plan) {
    c.optimiser_scalars.push_back({"trainer/lr_schedule", plan.schedule == tg::nn::lr_schedule::cosine ? 1.0 : 0.0});
    c.optimiser_scalars.push_back({"trainer/base_lr", plan.base});
}

// The checkpoint's plan, taken out of c; none in a checkpoint written before plans were kept.
inline std::optional<rate_plan> take_rate_plan(tg::io::checkpoint& c) {
    const auto schedule = take_scalar(c, "trainer/lr_schedule");
    const auto base = take_scalar(c, "trainer/base_lr");
    if (!schedule && !base) return std::nullopt;
    if (!schedule || !(*schedule == 0 || *schedule == 1))
        throw tg::io::checkpoint_error("checkpoint: trainer/lr_schedule is " +
                                       (schedule ? std::to_string(*schedule) : std::string("missing")) +
                                       " (0 constant, 1 cosine)");
    if (!base || !(std::isfinite(*base) && *base > 0))
        throw tg::io::checkpoint_error("checkpoint: trainer/base_lr is " +
                                       (base ? std::to_string(*base) : std::string("missing")) +
                                       " (a positive learning rate)");
    return rate_plan{*schedule == 1 ? tg::nn::lr_schedule::cosine : tg::nn::lr_schedule::constant, *base};
}

// The plan of a resumed run: what the command line gives, the rest from the checkpoint.
// A checkpoint without a plan keeps the behaviour it was written under: a constant rate as
// restored with the optimiser, a cosine one from the command line's --lr.
inline rate_plan resumed_rate_plan(const options& opt, rate_plan given, const std::optional<rate_plan>& saved,
                                   double restored_lr) {
    rate_plan plan = given;
    if (saved) {
        if (!opt.schedule_given) plan.schedule = saved->schedule;
        if (!opt.lr_given) plan.base = saved->base;
    } else if (!opt.lr_given && plan.schedule == tg::nn::lr_schedule::constant) {
        plan.base = restored_lr;
    }
    return plan;
}

// The gradient check of Model at the store's weights on one batch, in double: three ways
// (typegrad, the manual reference, finite differences) for the models with a reference,
// typegrad against finite differences alone for the others (gradcheck/differences.hpp).
// Prints the summary line, and the failures on standard error; false if any difference
// is over its tolerance.
template <class Model, class Store>
bool gradient_check(const Store& store, const xt::xtensor<float, 2>& X, const xt::xtensor<float, 2>& Y,
                    std::size_t fd_samples) {
    const auto r = tg::gradcheck::run<Model>(store, X, Y, fd_samples);
    if (r.manual) {
        std::printf("gradcheck: max_rel typegrad_vs_manual=%.3g typegrad_vs_fd=%.3g manual_vs_fd=%.3g\n",
                    r.worst_typegrad_vs_manual().max_rel, r.worst_typegrad_vs_fd().max_rel,
                    r.worst_manual_vs_fd().max_rel);
    } else {
        std::size_t checked = 0, one_sided = 0, skipped = 0;
        for (const auto& p : r.parameters) checked += p.fd_checked, one_sided += p.fd_one_sided, skipped += p.fd_skipped;
        std::printf("gradcheck: max_rel typegrad_vs_fd=%.3g (no hand-written reference for this model: %zu entries, "
                    "%zu of them one-sided beside a kink, %zu left out)\n",
                    r.worst_typegrad_vs_fd().max_rel, checked, one_sided, skipped);
    }
    std::fflush(stdout);
    for (const auto& f : r.failures()) std::fprintf(stderr, "train_fashion_mnist: gradcheck: FAIL %s\n", f.c_str());
    return r.passed();
}

// The optimiser the options chose, as a closed run-time choice: the loop below is
// compiled once per model, for every optimiser.
inline tg::nn::any_optimiser<float> make_optimiser(const optimiser_options& o) {
    return std::visit([](const auto& options) -> tg::nn::any_optimiser<float> {
        if constexpr (std::is_same_v<std::decay_t<decltype(options)>, tg::nn::adam<float>::options>) return tg::nn::adam<float>(options);
        else return tg::nn::sgd<float>(options);
    }, o);
}

template <class Model>
int train(const options& opt) {
    constexpr auto x = Model::x;
    constexpr auto y = Model::y;

    // With --distributed every rank loads; a file missing on one rank stops all of them.
    auto sets = on_every_rank(opt, [&] {
        return std::pair(tg::data::load_fashion_mnist<float>(opt.data_dir, tg::data::split::train),
                         tg::data::load_fashion_mnist<float>(opt.data_dir, tg::data::split::test));
    });
    auto& train_set = sets.first;
    auto& test_set = sets.second;
    keep_first(train_set, opt.train_limit);
    keep_first(test_set, opt.test_limit);

    std::vector<std::size_t> sizes = {train_set.features()};
    sizes.insert(sizes.end(), opt.hidden.begin(), opt.hidden.end());
    sizes.push_back(train_set.classes());
    tg::nn::store_for<Model, float, tg::nn::any_optimiser<float>> store(make_optimiser(opt.optimiser));
    std::mt19937_64 rng(opt.seed);
    initialise(store, sizes, rng, static_cast<Model*>(nullptr));

    // The dropout masks, if the model has any: drawn afresh for every step from a generator
    // seeded by (seed, epoch, batch) alone, so a resumed run and any number of ranks draw
    // the same masks as one uninterrupted process; all ones when evaluating.
    // (The seed is (seed·p + epoch)·p + batch with p = 1000003, as the shuffle's is seed·p +
    // epoch: distinct for every epoch and batch a run can have.)
    tg::nn::mask_set<typename Model::masks, float> masks;
    std::mt19937_64 mask_generator;

    xt::xtensor<float, 2> X, Y;
    auto values = std::apply([&](auto... mask) { return store.values(x = X, y = Y, mask...); }, masks.bindings());
    auto step = tg::compile<float>(Model::gradient);
    step.detect_anomalies(opt.detect_anomalies);
    store.bind_gradients(step);

    // One process, or this rank's shard and the gradient sums across ranks (--distributed).
    // The runner sees the store's tensors and the program's gradients, in the model's
    // parameter order; the store's optimiser then reads the runner's gradients.
    std::vector<tg::nn::parameter<float>> params;
    std::vector<const xt::xtensor<float, 2>*> grads;
    boost::hana::for_each(store, [&](auto& e) {
        params.push_back({std::string(decltype(e.symbol)::name.view()), &e.value});
        grads.push_back(e.gradient);
    });
    batch_runner<float> runner(opt, params, grads, decltype(step)::ready_order());
    {
        std::size_t k = 0;
        boost::hana::for_each(store, [&](auto& e) { e.gradient = runner.gradients()[k++]; });
    }

    std::size_t first_epoch = 0;
    rate_plan rate{opt.schedule, std::visit([](const auto& o) { return double(o.lr); }, opt.optimiser)};
    if (!opt.resume.empty()) on_every_rank(opt, [&] {
        auto saved = tg::io::load_checkpoint(opt.resume);
        first_epoch = take_epoch(saved);
        const auto saved_rate = take_rate_plan(saved);
        tg::io::restore(store, saved);
        const double restored_lr = std::visit([](const auto& o) { return double(o.hyper_parameters().lr); }, store.optimiser());
        rate = resumed_rate_plan(opt, rate, saved_rate, restored_lr);
        std::cout << "resumed from " << opt.resume << " after epoch " << first_epoch << "\n";
        std::cout << "learning rate: " << (rate.schedule == tg::nn::lr_schedule::cosine ? "cosine from " : "constant ")
                  << rate.base << (saved_rate ? " (schedule and base rate as the checkpoint has them, unless given)" : "")
                  << "\n";
    });
    runner.synchronise_parameters();

    std::cout << "model:\n" << indent(tg::formula(Model::logits));
    if (opt.show_gradient) std::cout << "gradient, as derived at compile time:\n" << indent(tg::formula(Model::gradient));
    if (opt.gradcheck) {
        // Without a reference every entry checked costs nine or more forward passes of the
        // model in double: 8 images and 8 entries per tensor keep the convnet's to seconds.
        constexpr bool referenced = tg::gradcheck::has_reference<Model>;
        tg::data::batching probe{.size = referenced ? 32u : 8u, .last = tg::data::last_batch::smaller};
        train_set.fill_batch(0, probe, X, Y);
        if (!gradient_check<Model>(store, X, Y, referenced ? 16 : 8)) return 1;
    }

    const tg::data::batching batches{.size = opt.batch, .last = tg::data::last_batch::smaller};
    auto logits = tg::compile<float>(Model::logits);
    double accuracy = 0;
    for (std::size_t epoch = first_epoch; epoch < opt.epochs; ++epoch) {
        // The epoch's rate depends on (plan, epoch, epochs) alone: a resumed run sets the same.
        store.set_optimiser(tg::nn::with_learning_rate(store.optimiser(), rate.at(epoch, opt.epochs)));
        const auto start = std::chrono::steady_clock::now();
        const std::clock_t cpu_start = std::clock(); // on a shared machine CPU time is the steadier figure
        train_set.shuffle(opt.seed * 1000003u + epoch); // the order depends on (seed, epoch) only
        const std::size_t count = train_set.batch_count(batches);
        progress_bar bar(count, speaks(opt));
        double loss_sum = 0;
        std::size_t seen = 0;
        for (std::size_t i = 0; i < count; ++i) {
            const std::size_t m = runner.step(i, train_set, batches, X, Y, step, values,
                                              [&](std::size_t first, std::size_t columns, std::size_t total) {
                                                  if constexpr (Model::masks::size != 0) {
                                                      mask_generator.seed((opt.seed * 1000003u + epoch) * 1000003u + i);
                                                      masks.draw(mask_generator, first, columns, total);
                                                  }
                                              });
            store.step(); // from runner.gradients(): the sums across ranks when distributed
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
            masks.identity(m);
            logits.run(values);
            const auto& z = logits[Model::logits];
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
            auto c = tg::io::to_checkpoint(store);
            c.optimiser_scalars.push_back({"trainer/epoch", double(epoch + 1)});
            put_rate_plan(c, rate);
            tg::io::save_checkpoint(opt.save, c);
        });
    }
    std::printf("test_accuracy=%.4f\n", accuracy);
    return 0;
}

