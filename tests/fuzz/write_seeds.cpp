// SPDX-License-Identifier: MIT
// Writes the fuzzers' seed corpora: small valid files and a few edge cases, each prefixed by
// the control byte its fuzzer reads (see idx_fuzzer.cpp and checkpoint_fuzzer.cpp).
// Checkpoints come from the library's own writer, so the seeds follow the format as saved.
//
//   write_seeds <corpus-root>           writes <root>/idx/* and <root>/checkpoint/*
//   write_seeds --check <corpus-root>   exits 1 if a committed seed differs from what it writes
#include <typegrad/io/checkpoint.hpp>

#include "gzip.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <limits>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace {

namespace fs = std::filesystem;
namespace tio = typegrad::io;
using bytes = std::vector<std::uint8_t>;

// idx_fuzzer's control byte: the rank in bits 2..7, bit 0 set to have the fuzzer gzip the rest.
constexpr std::uint8_t idx_control(std::size_t rank, bool gzip_in_fuzzer) {
    return static_cast<std::uint8_t>(rank << 2 | (gzip_in_fuzzer ? 1 : 0));
}
// checkpoint_fuzzer's control byte: bit 0 set to have the fuzzer fix the size and checksum.
constexpr std::uint8_t fix_size_and_crc = 1, as_is = 0;

bytes idx_file(std::uint32_t magic, const std::vector<std::uint32_t>& extents, std::size_t values) {
    bytes b;
    const auto put = [&](std::uint32_t v) {
        for (int shift = 24; shift >= 0; shift -= 8)
            b.push_back(static_cast<std::uint8_t>(v >> shift));
    };
    put(magic);
    for (const auto e : extents)
        put(e);
    for (std::size_t i = 0; i < values; ++i)
        b.push_back(static_cast<std::uint8_t>(i * 37 % 256));
    return b;
}

// The seeds are compressed hard; the fuzzer compresses its inputs fast.
bytes gzip(const bytes& in) { return typegrad::fuzz::gzip(in, Z_BEST_COMPRESSION); }

bytes with_control(std::uint8_t control, const bytes& file) {
    bytes b(file.size() + 1);
    b[0] = control;
    std::copy(file.begin(), file.end(), b.begin() + 1); // not insert: GCC 12 warns falsely (-Warray-bounds)
    return b;
}

bytes read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

std::map<std::string, bytes> idx_seeds() {
    std::map<std::string, bytes> s;
    const bytes labels = idx_file(0x801, {10}, 10);
    const bytes images = idx_file(0x803, {3, 4, 5}, 60);
    s["labels-plain"] = with_control(idx_control(1, false), labels);
    s["labels-gzipped-by-fuzzer"] = with_control(idx_control(1, true), labels);
    s["labels-gzip-file"] = with_control(idx_control(1, false), gzip(labels));
    s["images-plain"] = with_control(idx_control(3, false), images);
    s["images-gzipped-by-fuzzer"] = with_control(idx_control(3, true), images);
    s["images-gzip-file"] = with_control(idx_control(3, false), gzip(images));
    s["images-none"] = with_control(idx_control(3, false), idx_file(0x803, {0, 28, 28}, 0));
    s["images-zero-rows"] = with_control(idx_control(3, false), idx_file(0x803, {2, 0, 7}, 0));
    s["rank-2"] = with_control(idx_control(2, false), idx_file(0x802, {2, 3}, 6));
    s["rank-4-gzipped-by-fuzzer"] =
        with_control(idx_control(4, true), idx_file(0x804, {2, 1, 2, 3}, 12));
    s["images-truncated"] = with_control(idx_control(3, false), idx_file(0x803, {3, 4, 5}, 59));
    s["labels-trailing-byte"] = with_control(idx_control(1, false), idx_file(0x801, {4}, 5));
    s["images-absurd-size"] =
        with_control(idx_control(3, false), idx_file(0x803, {0xffffffff, 0xffffffff, 2}, 0));
    s["images-none-of-absurd-size"] =
        with_control(idx_control(3, false), idx_file(0x803, {0, 0xffffffff, 0xffffffff}, 0));
    bytes cut = gzip(images);
    cut.resize(cut.size() - 6); // the trailer's CRC and length partly gone
    s["images-gzip-file-cut"] = with_control(idx_control(3, false), cut);
    return s;
}

xt::xtensor<float, 2> f32(std::size_t rows, std::size_t cols) {
    xt::xtensor<float, 2> x({rows, cols});
    for (std::size_t i = 0; i < x.size(); ++i)
        x.data()[i] = 0.25f * static_cast<float>(i) - 1.0f;
    return x;
}
xt::xtensor<double, 2> f64(std::size_t rows, std::size_t cols) {
    xt::xtensor<double, 2> x({rows, cols});
    for (std::size_t i = 0; i < x.size(); ++i)
        x.data()[i] = 0.125 * static_cast<double>(i) - 0.5;
    return x;
}

// The bytes save_checkpoint writes for `c`.
bytes saved(const tio::checkpoint& c) {
    std::string dir = (fs::temp_directory_path() / "typegrad-seeds-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr)
        std::abort();
    const fs::path file = fs::path(dir) / "seed.tgck";
    tio::save_checkpoint(file, c);
    bytes b = read_all(file);
    fs::remove_all(dir);
    return b;
}

std::map<std::string, bytes> checkpoint_seeds() {
    std::map<std::string, bytes> s;
    s["empty"] = with_control(as_is, saved({}));

    tio::checkpoint params;
    params.parameters = {{"fc1.W", f32(3, 2)}, {"fc1.b", f32(3, 1)}};
    s["parameters-f32"] = with_control(as_is, saved(params));
    s["parameters-f32-fixed-up"] = with_control(fix_size_and_crc, saved(params));

    tio::checkpoint adam;
    adam.parameters = {{"W", f64(2, 2)}, {"b", f64(2, 1)}};
    adam.optimiser = "adam";
    adam.optimiser_tensors = {{"m.W", f64(2, 2)}, {"v.W", f64(2, 2)}};
    adam.optimiser_scalars = {{"step", 3.0}, {"beta1", 0.9}};
    s["adam-f64"] = with_control(fix_size_and_crc, saved(adam));

    tio::checkpoint edges;
    auto odd = f64(1, 3);
    odd(0, 0) = std::numeric_limits<double>::quiet_NaN();
    odd(0, 1) = -std::numeric_limits<double>::infinity();
    odd(0, 2) = -0.0;
    edges.parameters = {{"empty", f32(0, 5)}, {"odd", odd}, {std::string(64, 'n'), f32(1, 1)}};
    edges.optimiser = "sgd";
    edges.optimiser_scalars = {{"momentum", 0.0}};
    s["edge-values"] = with_control(fix_size_and_crc, saved(edges));

    // The first finding: an empty tensor with an extent of 2^63, which made xtensor's strides
    // overflow. Bytes 35..42 hold the first parameter's rows, 43..50 its cols.
    tio::checkpoint empty_tensor;
    empty_tensor.parameters = {{"W", f64(0, 1)}};
    const auto with_extents = [&](std::uint64_t rows, std::uint64_t cols) {
        bytes b = saved(empty_tensor);
        for (std::size_t i = 0; i < 8; ++i) {
            b[35 + i] = static_cast<std::uint8_t>(rows >> (8 * i));
            b[43 + i] = static_cast<std::uint8_t>(cols >> (8 * i));
        }
        return with_control(fix_size_and_crc, b);
    };
    s["empty-tensor-huge-cols"] = with_extents(0, std::uint64_t{1} << 63);
    s["empty-tensor-huge-rows"] = with_extents(std::uint64_t{1} << 63, 0);

    bytes bad_crc = saved(params);
    bad_crc.back() ^= 0xff;
    s["parameters-bad-crc"] = with_control(as_is, bad_crc);
    bytes cut = saved(params);
    cut.resize(cut.size() / 2);
    s["parameters-truncated"] = with_control(as_is, cut);
    return s;
}

} // namespace

int main(int argc, char** argv) {
    const bool check = argc == 3 && std::string_view(argv[1]) == "--check";
    if (argc != 2 && !check) {
        std::cerr << "usage: write_seeds [--check] <corpus-root>\n";
        return 2;
    }
    const fs::path root = argv[argc - 1];
    int stale = 0;
    for (const auto& [target, seeds] :
         {std::pair{"idx", idx_seeds()}, std::pair{"checkpoint", checkpoint_seeds()}}) {
        if (!check)
            fs::create_directories(root / target);
        for (const auto& [name, content] : seeds) {
            const fs::path file = root / target / name;
            if (check) {
                if (read_all(file) != content) {
                    std::cerr << file.string() << ": differs from what write_seeds writes\n";
                    ++stale;
                }
                continue;
            }
            std::ofstream out(file, std::ios::binary);
            out.write(reinterpret_cast<const char*>(content.data()),
                      static_cast<std::streamsize>(content.size()));
        }
    }
    if (stale != 0)
        std::cerr << "regenerate with: write_seeds " << root.string() << "\n";
    return stale == 0 ? 0 : 1;
}
