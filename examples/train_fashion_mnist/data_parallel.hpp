// SPDX-License-Identifier: MIT
// The trainer's --distributed mode (issue 14): each MPI rank trains on its shard of every
// global batch and the gradients are summed across ranks while the backward pass runs, so
// that every rank applies the same update and N ranks train like one process with the same
// global batch. One process is the case of one rank with nothing to sum: train.hpp calls the
// same functions either way and this file decides.
//
//   sharding: global batch i (--batch B columns of the shuffled order) is split in N
//             consecutive parts of B/N columns; rank r reads part r, i.e. batch i·N + r of
//             size B/N. The last, smaller global batch splits unevenly (a part may be empty).
//   scaling:  the loss is a mean, so rank r's gradient is a mean over its m_r columns; it is
//             multiplied by m_r/m before the sum, which makes the sum the mean over all m.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

#include <typegrad/data/dataset.hpp>
#include <typegrad/nn/optim.hpp>

#include "options.hpp"

// Input that some rank could not accept (a file missing there, a batch the ranks cannot
// share): every rank throws it together, before training, so the job stops cleanly; `rank`
// is the lowest rank that failed.
struct refused_on_a_rank : std::runtime_error {
    refused_on_a_rank(int rank, const std::string& message) : std::runtime_error(message), rank(rank) {}
    int rank;
};

// This process prints (rank 0, or the only process).
bool speaks(const options& opt);
// Throws refused_on_a_rank on every rank unless every rank's ok is true.
void agree(const options& opt, bool ok, const std::string& message);

// Runs part() on every rank and lets the ranks agree on the outcome: if it throws on any
// rank, every rank throws refused_on_a_rank with the first failure's message. In one process
// part() runs as is.
template <class Part>
auto on_every_rank(const options& opt, Part&& part) -> decltype(part()) {
    if (!opt.world) return part();
    std::string failure;
    try {
        if constexpr (std::is_void_v<decltype(part())>) {
            part();
            agree(opt, true, {});
            return;
        } else {
            auto result = part();
            agree(opt, true, {});
            return result;
        }
    } catch (const refused_on_a_rank&) {
        throw;
    } catch (const std::exception& e) {
        failure = e.what();
    }
    agree(opt, false, failure);
    throw std::logic_error("unreachable: agree() throws on a failure");
}

// Runs one training step on this rank's part of each global batch and provides the
// gradients the optimiser applies.
template <class T>
class batch_runner {
  public:
    // program_gradients: the compiled gradient's buffers, by parameter; ready_order: the
    // parameters in the order the backward pass completes their gradients.
    batch_runner(const options& opt, std::span<const typegrad::nn::parameter<T>> params,
                 std::vector<const xt::xtensor<T, 2>*> program_gradients, std::span<const std::size_t> ready_order);
    ~batch_runner();

    // Every rank starts from rank 0's parameters.
    void synchronise_parameters();

    // Fills x, y with this rank's columns of global batch i, calls before_run(first,
    // columns, total) with where they lie in the global batch of `total` columns (what the
    // dropout masks need), runs the step and sums the gradients across ranks. Returns this
    // rank's column count (0 if its part is empty).
    template <class Step, class Values, class BeforeRun>
    std::size_t step(std::size_t i, const typegrad::data::dataset<T>& data, typegrad::data::batching global,
                     xt::xtensor<T, 2>& x, xt::xtensor<T, 2>& y, Step& program, const Values& values,
                     BeforeRun&& before_run);

    // The gradient per parameter, as the optimiser takes them: the program's own in one
    // process, the sums across ranks otherwise.
    std::span<const xt::xtensor<T, 2>* const> gradients() const { return gradients_; }

    // Per-epoch statistics summed over ranks, in place (one process: unchanged).
    void sum(std::span<double> values);
    // Whether this rank evaluates test batch i (they are dealt round-robin).
    bool evaluates(std::size_t i) const;
    // After each epoch: the replica check (--check-replicas) and, on rank 0, a line with
    // the time per step spent computing and waiting for the sums.
    void end_epoch(std::size_t epoch);

  private:
    // Non-template parts, in data_parallel.cpp.
    std::size_t columns_of(std::size_t i, const typegrad::data::dataset<T>& data, typegrad::data::batching global,
                           std::size_t& local_index, typegrad::data::batching& local, std::size_t& total) const;
    void begin(std::size_t columns, std::size_t total);
    void ready(std::size_t k);
    void progress();
    void finish();

    const options& opt_;
    std::span<const typegrad::nn::parameter<T>> params_;
    std::vector<const xt::xtensor<T, 2>*> program_gradients_;
    std::vector<const xt::xtensor<T, 2>*> gradients_;
    struct distributed_state;
    std::unique_ptr<distributed_state> distributed_;
};

template <class T>
template <class Step, class Values, class BeforeRun>
std::size_t batch_runner<T>::step(std::size_t i, const typegrad::data::dataset<T>& data,
                                  typegrad::data::batching global, xt::xtensor<T, 2>& x, xt::xtensor<T, 2>& y,
                                  Step& program, const Values& values, BeforeRun&& before_run) {
    if (!distributed_) {
        const std::size_t m = data.fill_batch(i, global, x, y);
        before_run(std::size_t(0), m, m);
        program.run(values);
        return m;
    }
    std::size_t local_index = 0, total = 0;
    typegrad::data::batching local{};
    const std::size_t m = columns_of(i, data, global, local_index, local, total);
    begin(m, total);
    if (m > 0) {
        data.fill_batch(local_index, local, x, y);
        before_run(local_index * local.size - i * global.size, m, total); // rank r's part starts at r·B/N
        struct on_ready { // gradient k is final / another node is: let the sums progress
            batch_runner* self;
            void operator()(std::size_t k) const { self->ready(k); }
            void operator()() const { self->progress(); }
        };
        program.run(values, on_ready{this});
    }
    finish();
    return m;
}

extern template class batch_runner<float>;
