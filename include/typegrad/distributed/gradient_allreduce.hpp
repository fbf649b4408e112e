// SPDX-License-Identifier: MIT
// Sums gradients across the ranks of a world while the backward pass still runs, in buckets,
// as PyTorch's DistributedDataParallel does — but the order in which gradients become final
// is known at compile time (gradient_program::ready_order()), so buckets are fixed once.
//
//   gradient_allreduce<float> sum(w, sizes, order, {});    // sizes by parameter, ready order
//   sum.begin(float(m_r) / float(m));                       // this rank's share of the batch
//   step.run(values, [&](std::size_t k) { sum.ready(k, gradient_k); });
//   sum.finish(outputs);                                    // Σ over ranks of share · gradient
//
// Gradients are packed in ready order into buckets of about bucket_bytes; a bucket's
// MPI_Iallreduce starts as soon as its last gradient is ready (with overlap on) and every
// later ready() call lets MPI progress it, so it travels while later gradients are computed.
// A gradient larger than a bucket gets a bucket of its own. With overlap off every bucket
// starts in finish(), after the backward pass: the baseline the overlap is measured against.
//
// Summation is deterministic: the same algorithm runs on every rank for the same sizes, so
// every rank receives the same bits and replicas stay identical step after step.
#pragma once

#include <cstddef>
#include <memory>
#include <span>
#include <vector>

#include <typegrad/distributed/world.hpp>

namespace typegrad::distributed {

struct bucket_options {
    std::size_t bucket_bytes = std::size_t(256) << 10; // PyTorch uses 25 MB; our models are small
    bool overlap = true;
};

// Seconds spent inside finish() waiting for sums, and how many steps: the wait a step
// cannot hide behind computation.
struct allreduce_timing {
    double wait_seconds = 0;
    std::size_t steps = 0;
};

template <class T>
class gradient_allreduce {
  public:
    // sizes[k]: elements of gradient k. ready_order: the k in the order the backward pass
    // finishes them (a permutation of 0..sizes.size()−1, the same on every rank).
    gradient_allreduce(world& w, std::span<const std::size_t> sizes, std::span<const std::size_t> ready_order,
                       bucket_options options);
    ~gradient_allreduce();
    gradient_allreduce(const gradient_allreduce&) = delete;
    gradient_allreduce& operator=(const gradient_allreduce&) = delete;

    // A new step: every gradient will be multiplied by `scale` before the sum.
    void begin(T scale);
    // Gradient k is final: copies scale · gradient into its bucket, starts the bucket's sum
    // when it is complete, and lets started sums progress. Each k once per step.
    void ready(std::size_t k, std::span<const T> gradient);
    // Lets started sums progress (MPI moves them only inside MPI calls): call it between
    // backward nodes.
    void progress();
    // This rank has no samples in the batch: gradient k contributes zeros.
    void ready_zero(std::size_t k);
    // Waits for every bucket and writes the sum of gradient k into out[k] (sizes[k] each).
    void finish(std::span<const std::span<T>> out);

    std::size_t bucket_count() const noexcept;
    const allreduce_timing& timing() const noexcept { return timing_; }
    void reset_timing() noexcept { timing_ = {}; }

  private:
    struct state;
    std::unique_ptr<state> state_;
    allreduce_timing timing_;
};

extern template class gradient_allreduce<float>;
extern template class gradient_allreduce<double>;

} // namespace typegrad::distributed
