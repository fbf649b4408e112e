// SPDX-License-Identifier: MIT
#include "world_impl.hpp"

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <thread>

namespace typegrad::distributed {

namespace {

using clock = std::chrono::steady_clock;

double seconds_since(clock::time_point start) {
    return std::chrono::duration<double>(clock::now() - start).count();
}

// Point-to-point tag of the watchdog's "are you there?" messages (collectives do not use tags).
constexpr int alive_tag = 7001;

std::string rank_list(const std::vector<int>& ranks) {
    std::string out;
    for (std::size_t i = 0; i < ranks.size(); ++i)
        out += (i == 0 ? "" : i + 1 == ranks.size() ? " and " : ", ") + std::to_string(ranks[i]);
    return out;
}

// Waiting: Open MPI has no progress thread, so a non-blocking sum only advances inside
// MPI_Test. Sleeping between tests stalls it: a 0.94 MB sum takes 0.2 ms when polled and
// took 13.9 ms a step behind naps of 50 µs to 2 ms (measured on 2 idle cores). So poll
// without pause for the first 20 ms (longer than a sum on shared memory takes), then nap
// an eighth of the time waited so far (up to 2 ms), so that a rank waiting for a slow or
// descheduled peer leaves its core to the ranks still computing.
void pause(double waited_seconds) {
    if (waited_seconds < 2e-2) return;
    const double nap = std::clamp(waited_seconds / 8, 5e-5, 2e-3);
    std::this_thread::sleep_for(std::chrono::duration<double>(nap));
}

} // namespace

void world::impl::check(int status, const char* what) const {
    if (status == MPI_SUCCESS) return;
    char text[MPI_MAX_ERROR_STRING];
    int length = 0;
    MPI_Error_string(status, text, &length);
    throw distributed_error("typegrad: distributed: rank " + std::to_string(rank) + ": " + what + " failed: " +
                                std::string(text, std::size_t(length)),
                            true);
}

bool world::impl::test(MPI_Request* requests, int count, const char* what) {
    int done = 0;
    check(MPI_Testall(count, requests, &done, MPI_STATUSES_IGNORE), what);
    return done != 0;
}

void world::impl::wait(MPI_Request* requests, int count, const std::string& what) {
    const auto start = clock::now();
    for (;;) {
        if (test(requests, count, what.c_str())) return;
        const double waited = seconds_since(start);
        if (waited > timeout_seconds) break;
        pause(waited);
    }
    // The watchdog: ask every peer directly. A peer stuck in the same wait answers; one that
    // is dead, stopped or unreachable does not within another timeout.
    std::vector<unsigned char> sent(std::size_t(size), 1), heard(std::size_t(size), 0);
    std::vector<MPI_Request> sends, receives;
    std::vector<int> peers;
    for (int p = 0; p < size; ++p) {
        if (p == rank) continue;
        peers.push_back(p);
        sends.emplace_back();
        receives.emplace_back();
        MPI_Isend(&sent[std::size_t(p)], 1, MPI_UNSIGNED_CHAR, p, alive_tag, comm, &sends.back());
        MPI_Irecv(&heard[std::size_t(p)], 1, MPI_UNSIGNED_CHAR, p, alive_tag, comm, &receives.back());
    }
    const auto asked = clock::now();
    std::vector<int> silent;
    for (;;) {
        silent.clear();
        for (std::size_t i = 0; i < receives.size(); ++i) {
            int done = 0;
            if (receives[i] != MPI_REQUEST_NULL) MPI_Test(&receives[i], &done, MPI_STATUS_IGNORE);
            if (receives[i] != MPI_REQUEST_NULL) silent.push_back(peers[i]);
        }
        if (silent.empty() || seconds_since(asked) > timeout_seconds) break;
        pause(seconds_since(asked));
    }
    // The lowest rank still alive reports; the others stay quiet, so the job says it once.
    int lowest_alive = rank;
    for (int p = 0; p < rank; ++p)
        if (std::find(silent.begin(), silent.end(), p) == silent.end()) lowest_alive = std::min(lowest_alive, p);
    const std::string timeout = std::to_string(int(timeout_seconds + 0.5)) + " s";
    if (silent.empty())
        throw distributed_error("typegrad: distributed: " + what + " did not complete within " + timeout +
                                    " although every rank answers (rank " + std::to_string(rank) + " waited)",
                                lowest_alive == rank);
    throw distributed_error("typegrad: distributed: rank" + std::string(silent.size() > 1 ? "s " : " ") +
                                rank_list(silent) + (silent.size() > 1 ? " do" : " does") +
                                " not respond (dead, stopped or unreachable): " + what + " did not complete within " +
                                timeout + " and no answer came within another " + timeout + " (noticed by rank " +
                                std::to_string(rank) + ")",
                            lowest_alive == rank);
}

world::world(int& argc, char**& argv, std::chrono::duration<double> timeout) : impl_(std::make_unique<impl>()) {
    int provided = 0;
    MPI_Init_thread(&argc, &argv, MPI_THREAD_FUNNELED, &provided);
    // Errors come back as status codes on our communicator, so they become exceptions
    // with a message instead of Open MPI's default abort.
    MPI_Comm_dup(MPI_COMM_WORLD, &impl_->comm);
    MPI_Comm_set_errhandler(impl_->comm, MPI_ERRORS_RETURN);
    MPI_Comm_rank(impl_->comm, &impl_->rank);
    MPI_Comm_size(impl_->comm, &impl_->size);
    impl_->timeout_seconds = timeout.count();
}

world::~world() {
    MPI_Comm_free(&impl_->comm);
    MPI_Finalize();
}

int world::rank() const noexcept { return impl_->rank; }
int world::size() const noexcept { return impl_->size; }
std::chrono::duration<double> world::timeout() const noexcept {
    return std::chrono::duration<double>(impl_->timeout_seconds);
}
void world::set_timeout(std::chrono::duration<double> timeout) noexcept { impl_->timeout_seconds = timeout.count(); }

world::verdict world::agree(bool ok, const std::string& message) {
    // The lowest failing rank (or size() when none failed), then its message from it.
    int mine = ok ? impl_->size : impl_->rank, first = 0;
    MPI_Request r;
    impl_->check(MPI_Iallreduce(&mine, &first, 1, MPI_INT, MPI_MIN, impl_->comm, &r), "agreeing on a verdict");
    impl_->wait(&r, 1, "agreeing on a verdict");
    if (first == impl_->size) return {true, -1, {}};
    unsigned long length = impl_->rank == first ? message.size() : 0;
    impl_->check(MPI_Ibcast(&length, 1, MPI_UNSIGNED_LONG, first, impl_->comm, &r), "sharing a verdict");
    impl_->wait(&r, 1, "sharing a verdict");
    std::string text = impl_->rank == first ? message : std::string(length, '\0');
    impl_->check(MPI_Ibcast(text.data(), int(length), MPI_CHAR, first, impl_->comm, &r), "sharing a verdict");
    impl_->wait(&r, 1, "sharing a verdict");
    return {false, first, text};
}

namespace {
template <class T>
MPI_Datatype mpi_type();
template <>
MPI_Datatype mpi_type<float>() { return MPI_FLOAT; }
template <>
MPI_Datatype mpi_type<double>() { return MPI_DOUBLE; }

// MPI counts are ints: long spans go in pieces.
constexpr std::size_t max_count = std::size_t(1) << 30;

template <class T>
void broadcast_values(world::impl& w, std::span<T> values, int root) {
    for (std::size_t at = 0; at < values.size(); at += max_count) {
        const int n = int(std::min(max_count, values.size() - at));
        MPI_Request r;
        w.check(MPI_Ibcast(values.data() + at, n, mpi_type<T>(), root, w.comm, &r), "broadcasting parameters");
        w.wait(&r, 1, "broadcasting parameters from rank " + std::to_string(root));
    }
}
} // namespace

void world::broadcast(std::span<float> values, int root) { broadcast_values(*impl_, values, root); }
void world::broadcast(std::span<double> values, int root) { broadcast_values(*impl_, values, root); }

void world::sum(std::span<double> values) {
    MPI_Request r;
    impl_->check(MPI_Iallreduce(MPI_IN_PLACE, values.data(), int(values.size()), MPI_DOUBLE, MPI_SUM, impl_->comm, &r),
                 "summing across ranks");
    impl_->wait(&r, 1, "summing across ranks");
}

std::vector<std::uint64_t> world::all_gather(std::span<const std::uint64_t> values) {
    std::vector<std::uint64_t> out(values.size() * std::size_t(impl_->size));
    MPI_Request r;
    impl_->check(MPI_Iallgather(values.data(), int(values.size()), MPI_UINT64_T, out.data(), int(values.size()),
                                MPI_UINT64_T, impl_->comm, &r),
                 "gathering checksums");
    impl_->wait(&r, 1, "gathering checksums");
    return out;
}

void world::abort(int status) {
    MPI_Abort(MPI_COMM_WORLD, status);
    std::_Exit(status); // MPI_Abort does not return; this satisfies [[noreturn]]
}

} // namespace typegrad::distributed
