// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

struct options {
    std::string model = "mlp"; // mlp (dense, --hidden) or lenet
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
};

// One instantiation per depth and activation, in its own translation unit.
template <std::size_t Depth, class Activation>
int train(const options& opt);

// --model lenet, in train_lenet.cpp.
int train_lenet(const options& opt);
