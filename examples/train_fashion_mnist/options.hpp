// SPDX-License-Identifier: MIT
// The trainer's options, as main() parsed them: names from the command line are turned
// into values here (nn::activation, an optimiser's options), never passed further in.
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <variant>
#include <vector>

#include <typegrad/nn/kinds.hpp>
#include <typegrad/nn/optim.hpp>
#include <typegrad/nn/schedule.hpp>

// The optimiser's options, a closed choice (the store holds nn::any_optimiser<float>).
using optimiser_options = std::variant<typegrad::nn::adam<float>::options, typegrad::nn::sgd<float>::options>;

// The family of models: dense layers (--hidden, --activation), LeNet-5 (--model lenet) or
// the wider convnet with dropout (--model convnet).
enum class architecture { mlp, lenet, convnet };

namespace typegrad::distributed {
class world;
}

struct options {
    architecture model = architecture::mlp;
    std::size_t epochs = 10;
    std::size_t batch = 128;
    std::vector<std::size_t> hidden = {256, 128};
    typegrad::nn::activation activation = typegrad::nn::activation::relu;
    optimiser_options optimiser = typegrad::nn::adam<float>::options{};
    // The learning rate of each epoch, from the optimiser's lr (nn/schedule.hpp).
    typegrad::nn::lr_schedule schedule = typegrad::nn::lr_schedule::constant;
    // Whether --lr and --lr-schedule were given: a resumed run takes from its checkpoint
    // the base rate and the schedule the command line leaves out.
    bool lr_given = false, schedule_given = false;
    std::uint64_t seed = 1;
    int threads = 1;
    std::filesystem::path data_dir = "/usr/share/datasets/fashion-mnist";
    std::string save, resume;
    std::size_t train_limit = 0; // 0: the whole training split
    std::size_t test_limit = 0;  // 0: the whole test split
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

// Trains Model (one of the list in models.hpp); each is compiled in one of the train_*.cpp
// units. Returns the process's exit status.
template <class Model>
int train(const options& opt);
