// SPDX-License-Identifier: MIT
// Reading IDX files, the format of the MNIST family (LeCun et al.), plain or gzip-compressed.
//
// An IDX file is big-endian:
//   bytes 0-1  zero
//   byte  2    element type (0x08 = unsigned byte, the only type MNIST and Fashion-MNIST use)
//   byte  3    number of dimensions d
//   4·d bytes  the extents, u32 each, outermost first
//   then       the elements, row-major, product(extents) of them
// so images are magic 0x00000803 (n × rows × cols) and labels 0x00000801 (n).
//
// A file whose first two bytes are the gzip magic (1f 8b) is decompressed on the fly with
// zlib. Every failure throws data_error naming the file and what is wrong; sizes from the
// header are checked against the bytes the file can hold before anything is allocated.
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <stdexcept>
#include <vector>

namespace typegrad::data {

// Every failure while reading data: the message names the file and the problem.
class data_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

// The decoded contents of an IDX file of unsigned bytes.
struct idx_array {
    std::vector<std::size_t> extents; // as in the header, outermost first
    std::vector<std::uint8_t> values; // row-major, product(extents) of them
};

// The largest IDX payload accepted (4 GiB); larger headers are taken as corrupt.
inline constexpr std::uint64_t max_idx_bytes = std::uint64_t{1} << 32;

// Reads an IDX file of unsigned bytes with `rank` dimensions (magic 0x000008<rank>).
idx_array read_idx(const std::filesystem::path& file, std::size_t rank);

// Images: magic 0x00000803, n × rows × cols bytes.
struct idx_images {
    std::size_t count = 0, rows = 0, cols = 0;
    std::vector<std::uint8_t> pixels; // count × rows × cols, row-major
};
idx_images read_idx_images(const std::filesystem::path& file);

// Labels: magic 0x00000801, n bytes.
std::vector<std::uint8_t> read_idx_labels(const std::filesystem::path& file);

} // namespace typegrad::data
