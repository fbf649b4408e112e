// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace typegrad::distributed {
class world;
}

struct options {
    std::size_t epochs = 10;
    std::size_t batch = 128;
    double lr = 1e-3;
    std::vector<std::size_t> hidden = {256, 128};
    std::string activation = "relu";
    std::string optimizer = "adam";
    double momentum = 0.9;
    double weight_decay = 0;
    std::uint64_t seed = 1;
    int threads = 1;
    std::filesystem::path data_dir = "/usr/share/datasets/fashion-mnist";
    std::string save, resume;
    std::size_t train_limit = 0; // 0: the whole training split
    bool gradcheck = true;
    bool show_gradient = false;
    bool detect_anomalies = false;
    // --distributed (session.hpp, data_parallel.hpp)
    bool distributed = false;
    bool check_replicas = false;
    bool overlap = true;
    double timeout = 120;               // seconds before a silent peer is declared failed
    std::size_t bucket_kb = 256;        // gradient bucket size (fc1.W of the default MLP gets its own)
    std::string fault;                  // for tests: die|stall|diverge:RANK[:STEP]
    typegrad::distributed::world* world = nullptr; // set when running as an MPI job
};

// One instantiation per depth and activation, in its own translation unit.
template <std::size_t Depth, class Activation>
int train(const options& opt);
