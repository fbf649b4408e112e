// SPDX-License-Identifier: MIT
#include <typegrad/distributed/gradient_allreduce.hpp>

#include "world_impl.hpp"

#include <algorithm>
#include <chrono>
#include <string>

namespace typegrad::distributed {

template <class T>
struct gradient_allreduce<T>::state {
    struct bucket {
        std::vector<T> values;
        std::size_t pending = 0; // gradients not yet ready this step
        MPI_Request request = MPI_REQUEST_NULL; // a sum in flight (buckets before `next` were started)
    };
    struct place {
        std::size_t bucket, offset, size;
    };

    world::impl* w;
    bucket_options options;
    std::vector<bucket> buckets;
    std::vector<place> places; // by gradient k
    std::vector<std::size_t> members; // gradients per bucket, for begin()
    std::vector<MPI_Request> requests; // finish()'s, kept to allocate once
    std::size_t next = 0;              // the first bucket not yet started this step
    T scale = 1;

    void start(bucket& b) {
        w->check(MPI_Iallreduce(MPI_IN_PLACE, b.values.data(), int(b.values.size()), mpi_type(), MPI_SUM, w->comm,
                                &b.request),
                 "starting a gradient sum");
    }

    // MPI moves a non-blocking collective forward only inside MPI calls: testing the started
    // buckets between backward nodes is what makes the overlap real.
    void progress() {
        int done = 0;
        for (auto& b : buckets)
            if (b.request != MPI_REQUEST_NULL)
                w->check(MPI_Test(&b.request, &done, MPI_STATUS_IGNORE), "summing gradients");
    }

    void mark_ready(std::size_t k) {
        bucket& b = buckets[places[k].bucket];
        if (b.pending == 0)
            throw distributed_error("typegrad: distributed: gradient " + std::to_string(k) +
                                        " reported ready twice in one step",
                                    true);
        --b.pending;
        if (!options.overlap) return;
        // Buckets start in bucket order only, on every rank: MPI matches non-blocking
        // collectives by the order they are started, and a rank may report its gradients
        // in another order (one without samples reports zeros in parameter order).
        while (next < buckets.size() && buckets[next].pending == 0) start(buckets[next++]);
        progress();
    }

    static MPI_Datatype mpi_type() {
        if constexpr (std::is_same_v<T, float>) return MPI_FLOAT;
        else return MPI_DOUBLE;
    }
};

template <class T>
gradient_allreduce<T>::gradient_allreduce(world& w, std::span<const std::size_t> sizes,
                                          std::span<const std::size_t> ready_order, bucket_options options)
    : state_(std::make_unique<state>()) {
    state& s = *state_;
    s.w = &w.internals();
    s.options = options;
    s.places.resize(sizes.size());
    std::vector<bool> seen(sizes.size(), false);
    if (ready_order.size() != sizes.size())
        throw distributed_error("typegrad: distributed: ready order has " + std::to_string(ready_order.size()) +
                                    " entries for " + std::to_string(sizes.size()) + " gradients",
                                true);
    const std::size_t capacity = std::max<std::size_t>(1, options.bucket_bytes / sizeof(T));
    std::size_t filled = 0;
    for (const std::size_t k : ready_order) {
        if (k >= sizes.size() || seen[k])
            throw distributed_error("typegrad: distributed: ready order is not a permutation of the gradients", true);
        seen[k] = true;
        if (s.buckets.empty() || (filled > 0 && filled + sizes[k] > capacity)) {
            s.buckets.emplace_back();
            s.members.push_back(0);
            filled = 0;
        }
        s.places[k] = {s.buckets.size() - 1, filled, sizes[k]};
        filled += sizes[k];
        s.buckets.back().values.resize(filled);
        ++s.members.back();
    }
    for (std::size_t b = 0; b < s.buckets.size(); ++b)
        if (s.buckets[b].values.size() > std::size_t(1) << 30)
            throw distributed_error("typegrad: distributed: a gradient of more than 2^30 values is not supported", true);
}

// A sum still in flight writes into its bucket: wait for it before the bucket goes (the other
// ranks started the same sums, so they complete unless a peer failed; then the watchdog ends
// the wait and the error is dropped, as a destructor must not throw).
template <class T>
gradient_allreduce<T>::~gradient_allreduce() {
    std::vector<MPI_Request> in_flight;
    for (auto& b : state_->buckets)
        if (b.request != MPI_REQUEST_NULL) in_flight.push_back(b.request);
    if (in_flight.empty()) return;
    try {
        state_->w->wait(in_flight.data(), int(in_flight.size()), "a gradient sum left unfinished");
    } catch (const distributed_error&) {
    }
}

template <class T>
void gradient_allreduce<T>::begin(T scale) {
    state& s = *state_;
    s.scale = scale;
    for (std::size_t b = 0; b < s.buckets.size(); ++b) s.buckets[b].pending = s.members[b];
    s.next = 0;
}

template <class T>
void gradient_allreduce<T>::ready(std::size_t k, std::span<const T> gradient) {
    state& s = *state_;
    const auto& p = s.places.at(k);
    if (gradient.size() != p.size)
        throw distributed_error("typegrad: distributed: gradient " + std::to_string(k) + " has " +
                                    std::to_string(gradient.size()) + " values, " + std::to_string(p.size) +
                                    " expected",
                                true);
    T* to = s.buckets[p.bucket].values.data() + p.offset;
    const T scale = s.scale;
    for (std::size_t i = 0; i < p.size; ++i) to[i] = scale * gradient[i];
    s.mark_ready(k);
}

template <class T>
void gradient_allreduce<T>::ready_zero(std::size_t k) {
    state& s = *state_;
    const auto& p = s.places.at(k);
    std::fill_n(s.buckets[p.bucket].values.data() + p.offset, p.size, T(0));
    s.mark_ready(k);
}

template <class T>
void gradient_allreduce<T>::finish(std::span<const std::span<T>> out) {
    state& s = *state_;
    for (std::size_t b = 0; b < s.buckets.size(); ++b)
        if (s.buckets[b].pending != 0)
            throw distributed_error("typegrad: distributed: finish() before every gradient was ready", true);
    const auto start = std::chrono::steady_clock::now();
    std::vector<MPI_Request>& requests = s.requests;
    requests.clear();
    for (; s.next < s.buckets.size(); ++s.next) s.start(s.buckets[s.next]);
    for (auto& b : s.buckets) requests.push_back(b.request);
    s.w->wait(requests.data(), int(requests.size()), "the gradient sum");
    for (auto& b : s.buckets) b.request = MPI_REQUEST_NULL;
    timing_.wait_seconds += std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    ++timing_.steps;
    for (std::size_t k = 0; k < s.places.size(); ++k) {
        const auto& p = s.places[k];
        if (out[k].size() != p.size)
            throw distributed_error("typegrad: distributed: output " + std::to_string(k) + " has room for " +
                                        std::to_string(out[k].size()) + " values, " + std::to_string(p.size) +
                                        " expected",
                                    true);
        std::copy_n(s.buckets[p.bucket].values.data() + p.offset, p.size, out[k].data());
    }
}

template <class T>
void gradient_allreduce<T>::progress() {
    if (state_->options.overlap) state_->progress();
}

template <class T>
std::size_t gradient_allreduce<T>::bucket_count() const noexcept {
    return state_->buckets.size();
}

template class gradient_allreduce<float>;
template class gradient_allreduce<double>;

} // namespace typegrad::distributed
