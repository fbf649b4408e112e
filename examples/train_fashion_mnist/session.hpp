// SPDX-License-Identifier: MIT
// The trainer's processes: one, or the ranks of an MPI job with --distributed. main() hands
// its command line and its training function to a session, which starts MPI when asked,
// makes every rank agree on the arguments, lets only rank 0 print, and turns a failure on
// some rank into one message and a stop of the whole job (never a hang).
#pragma once

#include <CLI/CLI.hpp>

#include <functional>
#include <memory>
#include <optional>

#include "options.hpp"

class session {
  public:
    // Starts MPI when the arguments contain --distributed (before parsing: MPI_Init may
    // consume arguments of its own) and points opt.world at it.
    session(int& argc, char**& argv, options& opt);
    ~session(); // finalises MPI
    session(const session&) = delete;
    session& operator=(const session&) = delete;

    // Adds --distributed and its options.
    static void add_options(CLI::App& app, options& opt);

    // Parses on every rank. Returns the exit status when the program should stop now (help,
    // arguments refused on some rank: printed once, by rank 0).
    std::optional<int> parse(CLI::App& app, int argc, char** argv);

    // Runs train() and returns its status. Distributed: input refused on a rank stops every
    // rank cleanly with one message; a failure only some ranks see (a peer that died or went
    // silent, an error during training) aborts the job so no rank waits forever.
    int run(const std::function<int()>& train);

  private:
    options& opt_;
    struct state;
    std::unique_ptr<state> state_;
};
