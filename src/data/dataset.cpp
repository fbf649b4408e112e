// SPDX-License-Identifier: MIT
#include <typegrad/data/dataset.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>
#include <utility>

namespace typegrad::data {
namespace {

namespace fs = std::filesystem;

// A uniform draw from [0, n), n > 0, by rejection on the engine's raw 64-bit output (whose
// sequence the standard fixes, unlike std::uniform_int_distribution's mapping): values below
// 2^64 mod n are rejected so that every residue is equally likely.
std::uint64_t uniform_below(std::mt19937_64& engine, std::uint64_t n) {
    const std::uint64_t threshold = (0 - n) % n;
    for (;;) {
        const std::uint64_t r = engine();
        if (r >= threshold)
            return r % n;
    }
}

std::string shape_text(std::size_t rows, std::size_t cols) {
    return "(" + std::to_string(rows) + ", " + std::to_string(cols) + ")";
}

} // namespace

template <class T>
dataset<T>::dataset(xt::xtensor<T, 2> images, std::vector<std::uint8_t> labels, std::size_t classes)
    : images_(std::move(images)), labels_(std::move(labels)), classes_(classes) {
    if (images_.shape(1) != labels_.size())
        throw data_error("dataset: images " + shape_text(images_.shape(0), images_.shape(1)) +
                         " hold " + std::to_string(images_.shape(1)) + " samples but there are " +
                         std::to_string(labels_.size()) + " labels");
    check_labels();
    unshuffle();
}

template <class T>
dataset<T>::dataset(idx_images images, std::vector<std::uint8_t> labels, std::size_t classes)
    : labels_(std::move(labels)), classes_(classes) {
    const std::size_t n = images.count, f_count = images.rows * images.cols;
    if (images.pixels.size() != n * f_count)
        throw data_error("dataset: " + std::to_string(images.pixels.size()) + " pixel bytes for " +
                         std::to_string(n) + " images of " + std::to_string(images.rows) + "×" +
                         std::to_string(images.cols));
    if (n != labels_.size())
        throw data_error("dataset: " + std::to_string(n) + " images but " +
                         std::to_string(labels_.size()) + " labels");
    check_labels();
    for (std::size_t b = 0; b < value_of_.size(); ++b)
        value_of_[b] = static_cast<T>(b) / T(255);

    // Transpose n × features bytes into features × n values, a block of samples at a time so
    // that both the reads and the writes stay in cache.
    images_.resize({f_count, n});
    constexpr std::size_t block = 64;
    for (std::size_t i0 = 0; i0 < n; i0 += block) {
        const std::size_t i1 = std::min(n, i0 + block);
        for (std::size_t f = 0; f < f_count; ++f) {
            T* to = images_.data() + f * n;
            for (std::size_t i = i0; i < i1; ++i)
                to[i] = value_of_[images.pixels[i * f_count + f]];
        }
    }
    pixels_ = std::move(images.pixels);
    unshuffle();
}

template <class T>
void dataset<T>::check_labels() const {
    if (classes_ == 0 || classes_ > 256)
        throw data_error("dataset: classes must be in 1..256, got " + std::to_string(classes_));
    for (std::size_t i = 0; i < labels_.size(); ++i)
        if (labels_[i] >= classes_)
            throw data_error("dataset: label " + std::to_string(labels_[i]) + " of sample " +
                             std::to_string(i) + " is out of range 0.." +
                             std::to_string(classes_ - 1));
}

template <class T>
double dataset<T>::pixel_mean() const {
    if (images_.size() == 0)
        return 0;
    double sum = 0;
    for (const T v : images_)
        sum += v;
    return sum / static_cast<double>(images_.size());
}

template <class T>
double dataset<T>::pixel_stddev() const {
    if (images_.size() == 0)
        return 0;
    const double mean = pixel_mean();
    double sum = 0;
    for (const T v : images_)
        sum += (v - mean) * (v - mean);
    return std::sqrt(sum / static_cast<double>(images_.size()));
}

template <class T>
void dataset<T>::standardise(double mean, double stddev) {
    if (!(stddev > 0) || !std::isfinite(stddev) || !std::isfinite(mean))
        throw data_error(
            "dataset::standardise: needs a finite mean and a positive stddev, got mean " +
            std::to_string(mean) + ", stddev " + std::to_string(stddev));
    const T m = static_cast<T>(mean), s = static_cast<T>(stddev);
    for (T& v : images_)
        v = (v - m) / s;
    for (T& v : value_of_)
        v = (v - m) / s; // the same operations, hence the same bits
}

template <class T>
void dataset<T>::shuffle(std::uint64_t seed) {
    std::mt19937_64 engine(seed);
    unshuffle();
    shuffle(engine);
}

template <class T>
void dataset<T>::shuffle(std::mt19937_64& engine) {
    // Fisher–Yates: position i takes a uniformly chosen element of positions 0..i.
    for (std::size_t i = order_.size(); i > 1; --i)
        std::swap(order_[i - 1], order_[uniform_below(engine, i)]);
}

template <class T>
void dataset<T>::unshuffle() {
    order_.resize(labels_.size());
    std::iota(order_.begin(), order_.end(), std::size_t{0});
}

template <class T>
std::size_t dataset<T>::batch_count(batching b) const {
    if (b.size == 0)
        throw data_error("dataset: the batch size must be positive");
    return b.last == last_batch::drop ? size() / b.size : (size() + b.size - 1) / b.size;
}

template <class T>
std::size_t dataset<T>::batch_columns(std::size_t i, batching b) const {
    const std::size_t count = batch_count(b);
    if (i >= count)
        throw data_error("dataset: batch " + std::to_string(i) + " requested, there are " +
                         std::to_string(count) + " of size " + std::to_string(b.size));
    return std::min(b.size, size() - i * b.size);
}

template <class T>
std::size_t dataset<T>::fill_batch(std::size_t i, batching b, xt::xtensor<T, 2>& x,
                                   xt::xtensor<T, 2>& y) const {
    const std::size_t n = batch_columns(i, b);
    const std::size_t first = i * b.size, f_count = features(), total = size();
    if (x.shape(0) != f_count || x.shape(1) != n)
        x.resize({f_count, n});
    if (y.shape(0) != classes_ || y.shape(1) != n)
        y.resize({classes_, n});

    const std::size_t* index = order_.data() + first;
    if (!pixels_.empty()) {
        // Each sample's bytes are contiguous and x is features × n: a transpose. Written one
        // sample (one column of x) at a time, every store lands on a different cache line
        // and the lines are evicted before their neighbours are filled (x is 400 KB at
        // batch 128). So samples go in blocks of one cache line of x: for each feature the
        // block's values fill one line whole, and the block's source rows stay in L1.
        constexpr std::size_t block = 64 / sizeof(T);
        const std::uint8_t* rows[block];
        for (std::size_t j0 = 0; j0 < n; j0 += block) {
            const std::size_t width = std::min(block, n - j0);
            for (std::size_t k = 0; k < width; ++k)
                rows[k] = pixels_.data() + index[j0 + k] * f_count;
            T* to = x.data() + j0;
            for (std::size_t f = 0; f < f_count; ++f, to += n)
                for (std::size_t k = 0; k < width; ++k)
                    to[k] = value_of_[rows[k][f]];
        }
    } else {
        for (std::size_t f = 0; f < f_count; ++f) {
            const T* from = images_.data() + f * total;
            T* to = x.data() + f * n;
            for (std::size_t j = 0; j < n; ++j)
                to[j] = from[index[j]];
        }
    }
    std::fill(y.begin(), y.end(), T(0));
    for (std::size_t j = 0; j < n; ++j)
        y.data()[labels_[index[j]] * n + j] = T(1);
    return n;
}

template class dataset<float>;
template class dataset<double>;

template <class T>
void one_hot(std::span<const std::uint8_t> labels, std::size_t classes, xt::xtensor<T, 2>& out) {
    const std::size_t n = labels.size();
    for (std::size_t j = 0; j < n; ++j)
        if (labels[j] >= classes)
            throw data_error("one_hot: label " + std::to_string(labels[j]) + " at " +
                             std::to_string(j) + " is out of range for " + std::to_string(classes) +
                             " classes");
    if (out.shape(0) != classes || out.shape(1) != n)
        out.resize({classes, n});
    std::fill(out.begin(), out.end(), T(0));
    for (std::size_t j = 0; j < n; ++j)
        out.data()[labels[j] * n + j] = T(1);
}

template void one_hot<float>(std::span<const std::uint8_t>, std::size_t, xt::xtensor<float, 2>&);
template void one_hot<double>(std::span<const std::uint8_t>, std::size_t, xt::xtensor<double, 2>&);

template <class T>
dataset<T> load_idx_dataset(const fs::path& images_file, const fs::path& labels_file,
                            std::size_t classes) {
    idx_images images = read_idx_images(images_file);
    std::vector<std::uint8_t> labels = read_idx_labels(labels_file);
    if (images.count != labels.size())
        throw data_error(images_file.string() + " holds " + std::to_string(images.count) +
                         " images but " + labels_file.string() + " holds " +
                         std::to_string(labels.size()) + " labels");
    for (std::size_t i = 0; i < labels.size(); ++i)
        if (labels[i] >= classes)
            throw data_error(labels_file.string() + ": label " + std::to_string(labels[i]) +
                             " at index " + std::to_string(i) + " is out of range (" +
                             std::to_string(classes) + " classes: 0.." +
                             std::to_string(classes - 1) + ")");

    return dataset<T>(std::move(images), std::move(labels), classes);
}

template dataset<float> load_idx_dataset<float>(const fs::path&, const fs::path&, std::size_t);
template dataset<double> load_idx_dataset<double>(const fs::path&, const fs::path&, std::size_t);

template <class T>
dataset<T> load_fashion_mnist(const fs::path& dir, split which) {
    const std::string prefix = which == split::train ? "train" : "t10k";
    // The compressed file, or the uncompressed one when only that is present.
    const auto pick = [&](const std::string& name) {
        const fs::path gz = dir / (name + ".gz"), plain = dir / name;
        std::error_code ec;
        return !fs::exists(gz, ec) && fs::exists(plain, ec) ? plain : gz;
    };
    return load_idx_dataset<T>(pick(prefix + "-images-idx3-ubyte"),
                               pick(prefix + "-labels-idx1-ubyte"), 10);
}

template dataset<float> load_fashion_mnist<float>(const fs::path&, split);
template dataset<double> load_fashion_mnist<double>(const fs::path&, split);

} // namespace typegrad::data
