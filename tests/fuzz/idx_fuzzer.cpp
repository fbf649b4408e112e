// SPDX-License-Identifier: MIT
// libFuzzer target for the IDX reader (typegrad::data::read_idx and its two wrappers).
//
// Input: one control byte, then the file's bytes.
//   control bit 0      1: gzip-compress the rest before the reader sees it, so that mutations
//                      of the IDX header reach the parser through zlib as well as in plain
//                      files (a mutated gzip stream rarely stays valid); 0: the rest as is,
//                      which is also how corrupt gzip streams are reached
//   control bits 2..7  the rank asked for, 0..63: 1 goes through read_idx_labels, 3 through
//                      read_idx_images, anything else read_idx (0 and > 255 must be refused)
//
// Contract checked: the reader either throws data_error or returns exactly the extents and
// the number of values the header describes, none of them absurd even in an empty array. Any other exception, a crash, a leak or
// undefined behaviour is a finding.
#include "gzip.hpp"
#include "memory_file.hpp"

#include <typegrad/data/idx.hpp>

#include <zlib.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <vector>

namespace {

void check(bool ok) {
    if (!ok)
        std::abort();
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
    namespace td = typegrad::data;
    static typegrad::fuzz::memory_file file("typegrad-idx-fuzz");
    if (size == 0)
        return -1; // no control byte: not worth keeping in the corpus
    const std::uint8_t control = data[0];
    const std::span<const std::uint8_t> rest(data + 1, size - 1);
    if (control & 1)
        file.assign(typegrad::fuzz::gzip(rest, Z_BEST_SPEED));
    else
        file.assign(rest);

    const std::size_t rank = control >> 2;
    try {
        if (rank == 1) {
            const std::vector<std::uint8_t> labels = td::read_idx_labels(file.path());
            (void)labels;
        } else if (rank == 3) {
            const td::idx_images images = td::read_idx_images(file.path());
            check(images.pixels.size() == images.count * images.rows * images.cols);
        } else {
            const td::idx_array a = td::read_idx(file.path(), rank);
            check(a.extents.size() == rank);
            // Extents are accepted only while the non-zero ones multiply to at most the limit.
            std::uint64_t count = 1, nonzero = 1;
            for (const std::size_t e : a.extents) {
                count *= e;
                nonzero *= e == 0 ? 1 : e;
                check(nonzero <= td::max_idx_bytes);
            }
            check(a.values.size() == count);
        }
    } catch (const td::data_error&) {
        // Refusing a bad file with a message is the reader doing its job.
    }
    return 0;
}
