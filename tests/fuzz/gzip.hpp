// SPDX-License-Identifier: MIT
// Compresses bytes into one gzip member in memory, for the IDX fuzzer and its seeds.
// The header is zlib's default (no name, mtime 0), so the bytes do not depend on the day.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace typegrad::fuzz {

inline std::vector<std::uint8_t> gzip(std::span<const std::uint8_t> in, int level) {
    z_stream z{};
    // windowBits 15 + 16: a gzip wrapper, as the files Fashion-MNIST ships in.
    if (deflateInit2(&z, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        std::abort();
    std::vector<std::uint8_t> out(deflateBound(&z, in.size()) + 32);
    z.next_in = const_cast<Bytef*>(in.data());
    z.avail_in = static_cast<uInt>(in.size());
    z.next_out = out.data();
    z.avail_out = static_cast<uInt>(out.size());
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        std::abort();
    out.resize(z.total_out);
    deflateEnd(&z);
    return out;
}

} // namespace typegrad::fuzz
