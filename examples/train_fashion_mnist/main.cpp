// SPDX-License-Identifier: MIT
// The main job: trains a dense classifier on Fashion-MNIST. The default model is
// 784-256-128-10 with relu and softmax cross-entropy, trained with Adam for 10
// epochs at batch 128; the last line is test_accuracy=<fraction>.
#include <CLI/CLI.hpp>

#include <iostream>

#include <typegrad/data/idx.hpp>
#include <typegrad/exec/program.hpp>
#include <typegrad/io/checkpoint.hpp>
#include <typegrad/nn/layers.hpp>
#include <typegrad/nn/optim.hpp>

#include "options.hpp"
#include "session.hpp"

namespace tg = typegrad;

namespace {
// The model's depth is part of its type, so each supported depth and activation is
// compiled ahead; the options choose one at run time.
template <class Activation>
int train_with(const options& opt) {
    switch (opt.hidden.size()) {
    case 0: return train<1, Activation>(opt);
    case 1: return train<2, Activation>(opt);
    case 2: return train<3, Activation>(opt);
    case 3: return train<4, Activation>(opt);
    }
    return 2;
}
} // namespace

int main(int argc, char** argv) {
    options opt;
    CLI::App app{"Train a dense classifier on Fashion-MNIST with typegrad"};
    app.add_option("--epochs", opt.epochs, "passes over the training set")->check(CLI::Range(1, 1000));
    app.add_option("--batch", opt.batch, "examples per step")->check(CLI::Range(1, 60000));
    app.add_option("--lr", opt.lr, "learning rate")->check(CLI::PositiveNumber);
    app.add_option("--hidden", opt.hidden, "hidden layer sizes, e.g. 256,128 (0 to 3 layers)")
        ->delimiter(',')
        ->expected(0, 3)
        ->check(CLI::Range(1, 100000));
    app.add_option("--activation", opt.activation, "hidden activation")
        ->check(CLI::IsMember({"relu", "tanh", "sigmoid"}));
    app.add_option("--optimizer", opt.optimizer, "adam or sgd (with momentum)")->check(CLI::IsMember({"adam", "sgd"}));
    app.add_option("--momentum", opt.momentum, "SGD momentum")->check(CLI::Range(0.0, 1.0));
    app.add_option("--weight-decay", opt.weight_decay, "L2 weight decay")->check(CLI::NonNegativeNumber);
    app.add_option("--seed", opt.seed, "seed for initial weights and shuffling");
    app.add_option("--threads", opt.threads, "BLAS threads")->check(CLI::Range(1, 256));
    app.add_option("--data-dir", opt.data_dir, "folder with the Fashion-MNIST IDX files")->check(CLI::ExistingDirectory);
    app.add_option("--save", opt.save, "write a checkpoint here after every epoch");
    app.add_option("--resume", opt.resume, "continue from this checkpoint")->check(CLI::ExistingFile);
    app.add_option("--train-limit", opt.train_limit, "train on the first N examples only (0: all)");
    app.add_flag("--show-gradient", opt.show_gradient, "print the gradient formulas typegrad derived");
    app.add_flag("--detect-anomalies", opt.detect_anomalies,
                 "check every computed node for NaN/inf and stop at the first, naming it");
    app.add_flag("!--no-gradcheck", opt.gradcheck, "skip the gradient check before training");
    session::add_options(app, opt);
    session processes(argc, argv, opt); // one, or the ranks of an MPI job (--distributed)
    if (const auto status = processes.parse(app, argc, argv)) return *status;
    return processes.run([&] {
        try {
            if (opt.activation == "relu") return train_with<tg::nn::relu_layer>(opt);
            if (opt.activation == "tanh") return train_with<tg::nn::tanh_layer>(opt);
            return train_with<tg::nn::sigmoid_layer>(opt);
        } catch (const tg::data::data_error& e) {
            std::cerr << "train_fashion_mnist: " << e.what() << "\n";
        } catch (const tg::io::checkpoint_error& e) {
            std::cerr << "train_fashion_mnist: " << e.what() << "\n";
        } catch (const tg::anomaly_error& e) {
            std::cerr << "train_fashion_mnist: " << e.what() << "\n";
        } catch (const tg::nn::optimiser_error& e) {
            std::cerr << "train_fashion_mnist: " << e.what() << "\n";
        }
        return 1;
    });
}
