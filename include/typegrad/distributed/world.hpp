// SPDX-License-Identifier: MIT
// The processes of one MPI job, as data-parallel training needs them: who am I, how many are
// we, agree on a verdict, broadcast, sum — and never wait forever.
//
//   typegrad::distributed::world w(argc, argv, std::chrono::seconds(120));
//   auto v = w.agree(ok, message);       // every rank learns the first rank that failed
//   w.broadcast(std::span<float>(...));  // rank 0's values everywhere
//
// Every wait goes through a watchdog: a collective that has not completed after `timeout`
// means a peer is dead, stopped or unreachable. The waiting rank then asks every peer
// directly ("are you there?") and gives them another `timeout` to answer; ranks that answer
// are stuck in the same wait, those that do not are named in the distributed_error thrown.
// (Open MPI 4.1 itself kills the whole job when a rank exits abnormally, with mpirun's
// message naming the rank; the watchdog covers the peer that is still there but silent:
// stopped, swapping, or behind a broken network.)
//
// MPI stays out of this header: linking typegrad::distributed brings it in.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <span>
#include <stdexcept>
#include <string>
#include <vector>

namespace typegrad::distributed {

// A failure of the job rather than of this rank's input: a peer gone silent, an MPI error,
// replicas that diverged. speaker() is true on exactly one of the ranks that detected it
// (the lowest one still alive), so that the job reports it once. agreed() is true when every
// rank reached the same verdict together (replicas that diverged): then they can all stop
// cleanly; otherwise the job must be aborted (world::abort), as a peer may never answer again.
class distributed_error : public std::runtime_error {
  public:
    distributed_error(const std::string& message, bool speaker, bool agreed = false)
        : std::runtime_error(message), speaker_(speaker), agreed_(agreed) {}
    bool speaker() const noexcept { return speaker_; }
    bool agreed() const noexcept { return agreed_; }

  private:
    bool speaker_, agreed_;
};

class world {
  public:
    // Initialises MPI (funnelled threads: only this thread calls MPI) on a private duplicate
    // of MPI_COMM_WORLD whose errors are returned, not fatal. One per process.
    world(int& argc, char**& argv, std::chrono::duration<double> timeout);
    ~world(); // finalises MPI
    world(const world&) = delete;
    world& operator=(const world&) = delete;

    int rank() const noexcept;
    int size() const noexcept;
    bool root() const noexcept { return rank() == 0; }
    std::chrono::duration<double> timeout() const noexcept;
    void set_timeout(std::chrono::duration<double> timeout) noexcept;

    // Every rank says whether its part went well. Returns on every rank: ok when all were,
    // else the lowest failing rank and its message.
    struct verdict {
        bool ok;
        int rank;
        std::string message;
    };
    verdict agree(bool ok, const std::string& message);

    // root's values replace every other rank's (same length everywhere).
    void broadcast(std::span<float> values, int root = 0);
    void broadcast(std::span<double> values, int root = 0);
    // Element-wise sum over ranks, in place, the same bits on every rank.
    void sum(std::span<double> values);
    // Every rank's values, rank by rank (size() × values.size()).
    std::vector<std::uint64_t> all_gather(std::span<const std::uint64_t> values);

    // Stops every process of the job with this exit status (MPI_Abort).
    [[noreturn]] void abort(int status);

    // The MPI machinery behind the public calls, shared with gradient_allreduce.
    struct impl;
    impl& internals() noexcept { return *impl_; }

  private:
    std::unique_ptr<impl> impl_;
};

} // namespace typegrad::distributed
