// SPDX-License-Identifier: MIT
// A labelled image dataset laid out for training: images as features × N, labels as bytes,
// a seeded order, and mini-batches copied into buffers the caller owns.
//
//   auto train = typegrad::data::load_fashion_mnist<float>(); // 784 × 60000, in [0, 1]
//   xt::xtensor<float, 2> x({784, 64}), y({10, 64});
//   const typegrad::data::batching b{64};                      // last batch smaller
//   for (std::size_t epoch = 0; epoch < epochs; ++epoch) {
//       train.shuffle(seed + epoch);
//       for (std::size_t i = 0; i < train.batch_count(b); ++i) {
//           train.fill_batch(i, b, x, y);                      // see fill_batch on allocation
//           ...
//       }
//   }
//
// Pixels are divided by 255, so values lie in [0, 1]; standardise() optionally maps them to
// (x − mean) / stddev with statistics the caller chooses (those of the training split, so the
// test split is transformed identically).
#pragma once

#include <typegrad/data/idx.hpp>

#include <array>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <random>
#include <span>
#include <type_traits>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace typegrad::data {

// What to do with the last batch when the batch size does not divide the dataset.
enum class last_batch {
    smaller, // keep it, with fewer columns (as PyTorch's DataLoader, drop_last=False)
    drop,    // leave those samples out of this epoch (drop_last=True)
};

struct batching {
    std::size_t size; // columns per batch, > 0
    last_batch last = last_batch::smaller;
};

template <class T>
class dataset {
    static_assert(std::is_same<T, float>::value || std::is_same<T, double>::value,
                  "typegrad::data::dataset<T> requires T = float or double");

  public:
    // images: features × N, labels: N values in [0, classes). Throws data_error otherwise.
    dataset(xt::xtensor<T, 2> images, std::vector<std::uint8_t> labels, std::size_t classes);
    // From IDX bytes: images() holds each pixel p as p / 255. The bytes are kept too (47 MB for
    // the Fashion-MNIST training split), so that a batch is gathered one contiguous sample at a
    // time instead of one cache miss per value of a features × N matrix.
    dataset(idx_images images, std::vector<std::uint8_t> labels, std::size_t classes);

    std::size_t size() const noexcept { return labels_.size(); }
    std::size_t features() const noexcept { return images_.shape(0); }
    std::size_t classes() const noexcept { return classes_; }
    const xt::xtensor<T, 2>& images() const noexcept { return images_; }
    const std::vector<std::uint8_t>& labels() const noexcept { return labels_; }
    // The sample indices in the order batches take them.
    std::span<const std::size_t> order() const noexcept { return order_; }

    // Mean and standard deviation (population) over every pixel of every image.
    double pixel_mean() const;
    double pixel_stddev() const;
    // Every value v becomes (v − mean) / stddev. Throws data_error if stddev <= 0.
    void standardise(double mean, double stddev);

    // Order becomes a permutation of 0..N−1 determined by `seed` alone: Fisher–Yates driven by
    // std::mt19937_64(seed), with unbiased bounded draws taken from the engine's raw output, so
    // the permutation is the same with every standard library.
    void shuffle(std::uint64_t seed);
    // Permutes the current order further with the given engine (same algorithm).
    void shuffle(std::mt19937_64& engine);
    // Order becomes 0, 1, …, N−1.
    void unshuffle();

    std::size_t batch_count(batching b) const;
    // Columns in batch i: b.size, or fewer for a last `smaller` batch.
    std::size_t batch_columns(std::size_t i, batching b) const;
    // Copies batch i (in the current order) into x (features × n) and its one-hot labels into
    // y (classes × n), n = batch_columns(i, b), and returns n. x and y are resized only when
    // their shape differs, so with last_batch::drop (or a size that divides N) a training loop
    // allocates nothing; with last_batch::smaller each buffer is reallocated at most twice per
    // epoch (into and out of the last batch).
    std::size_t fill_batch(std::size_t i, batching b, xt::xtensor<T, 2>& x,
                           xt::xtensor<T, 2>& y) const;

  private:
    void check_labels() const;

    xt::xtensor<T, 2> images_;
    std::vector<std::uint8_t> labels_;
    std::size_t classes_;
    std::vector<std::size_t> order_;
    std::vector<std::uint8_t> pixels_; // N × features when built from bytes, else empty
    std::array<T, 256> value_of_{};    // images_ holds value_of_[b] wherever the byte was b
};

extern template class dataset<float>;
extern template class dataset<double>;

// out (classes × labels.size()) gets out(labels[j], j) = 1 and zeros elsewhere; it is
// resized if its shape differs. Throws data_error if a label is >= classes.
template <class T>
void one_hot(std::span<const std::uint8_t> labels, std::size_t classes, xt::xtensor<T, 2>& out);

// Reads an images file (n × rows × cols) and a labels file (n) and checks that the counts
// agree and every label is < classes.
template <class T = float>
dataset<T> load_idx_dataset(const std::filesystem::path& images,
                            const std::filesystem::path& labels, std::size_t classes);

enum class split { train, test }; // files "train-…" and "t10k-…"

inline const std::filesystem::path default_fashion_mnist_dir = "/usr/share/datasets/fashion-mnist";

// Fashion-MNIST from `dir`: {train,t10k}-images-idx3-ubyte.gz and {train,t10k}-labels-idx1-ubyte.gz
// (784 × 60000 or 784 × 10000, 10 classes). Uncompressed files without ".gz" are used when the
// compressed ones are absent.
template <class T = float>
dataset<T> load_fashion_mnist(const std::filesystem::path& dir = default_fashion_mnist_dir,
                              split which = split::train);

} // namespace typegrad::data
