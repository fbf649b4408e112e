// SPDX-License-Identifier: MIT
// libFuzzer target for the checkpoint reader (typegrad::io::load_checkpoint).
//
// Input: one control byte, then the file's bytes.
//   control bit 0  1: before the reader sees the file, write its real size into the header
//                  (bytes 16..23) and a correct CRC-32 into its last 4 bytes. Without this
//                  nearly every mutation would stop at the size or checksum test and the
//                  record parser behind them would go unexplored. 0: the bytes as they are,
//                  which keeps those two tests under the fuzzer too.
//
// Contract checked: load_checkpoint either throws checkpoint_error or returns a checkpoint
// that save_checkpoint writes back byte for byte (the format has exactly one encoding of
// each checkpoint, so a file that loads but does not round-trip was misread). Any other
// exception, a crash, a leak or undefined behaviour is a finding.
#include "memory_file.hpp"

#include <typegrad/io/checkpoint.hpp>

#include <unistd.h>
#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

constexpr std::size_t header_size = 24, trailer_size = 4;

void put_le(std::uint8_t* p, std::uint64_t v, std::size_t n) {
    for (std::size_t i = 0; i < n; ++i)
        p[i] = static_cast<std::uint8_t>(v >> (8 * i));
}

// Where round-trip copies are saved: in RAM when /dev/shm exists, one folder per process,
// removed at exit. Never destroyed, so that the exit handler can still read it.
const fs::path& save_dir() {
    static const fs::path* const dir = [] {
        std::error_code ec;
        const fs::path base = fs::is_directory("/dev/shm", ec) ? fs::path("/dev/shm")
                                                               : fs::temp_directory_path();
        auto* d = new fs::path(base / ("typegrad-checkpoint-fuzz-" + std::to_string(::getpid())));
        fs::create_directories(*d);
        std::atexit([] {
            std::error_code ignored;
            fs::remove_all(save_dir(), ignored);
        });
        return d;
    }();
    return *dir;
}

std::vector<std::uint8_t> read_all(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return {std::istreambuf_iterator<char>(in), {}};
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace tio = typegrad::io;
    static typegrad::fuzz::memory_file file("typegrad-checkpoint-fuzz");
    if (size == 0)
        return -1;
    std::vector<std::uint8_t> bytes(data + 1, data + size);
    if ((data[0] & 1) && bytes.size() >= header_size + trailer_size) {
        put_le(bytes.data() + 16, bytes.size(), 8);
        const std::size_t body = bytes.size() - trailer_size;
        put_le(bytes.data() + body, crc32_z(0, bytes.data(), body), 4);
    }
    file.assign(bytes);

    tio::checkpoint c;
    try {
        c = tio::load_checkpoint(file.path());
    } catch (const tio::checkpoint_error&) {
        return 0; // refused with a message: the reader doing its job
    }
    const fs::path copy = save_dir() / "copy.tgck";
    tio::save_checkpoint(copy, c);
    if (read_all(copy) != bytes)
        std::abort();
    return 0;
}
