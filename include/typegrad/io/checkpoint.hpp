// SPDX-License-Identifier: MIT
// Checkpoints: named parameters and optimiser state in one binary file, written atomically and
// read back only if it is whole.
//
//   tg::io::checkpoint c;
//   tg::io::store_parameters(c, params);             // std::span<const nn::parameter<float>>
//   tg::io::store_optimiser(c, adam.state());
//   tg::io::save_checkpoint("run/epoch-3.tgck", c);
//   ...
//   const auto back = tg::io::load_checkpoint("run/epoch-3.tgck");
//   tg::io::restore_parameters(back, params);        // all names and shapes must fit
//   adam.load_state(tg::io::optimiser_state_of<float>(back), params);
//
// FILE FORMAT, version 1. All integers are unsigned and little-endian; floating-point values
// are IEEE-754 binary32 (f32) or binary64 (f64), little-endian.
//
//   offset  bytes  field
//   ------  -----  -----------------------------------------------------------------------
//   header (24 bytes)
//        0      8  magic 89 54 47 43 4B 50 54 0A, i.e. "\x89TGCKPT\n" (the high byte
//                  catches 7-bit channels, the newline catches line-ending translation)
//        8      4  u32 format version, 1
//       12      4  u32 flags, 0 (reserved: a reader refuses any other value)
//       16      8  u64 size of the whole file in bytes, checksum included
//   body
//       24      4  u32 P, the number of parameter records, then P tensor records
//               …  string: optimiser kind ("sgd", "adam"; empty when no optimiser state)
//               4  u32 S, then S tensor records: the optimiser's tensors
//               4  u32 K, then K scalar records: the optimiser's scalars
//   trailer
//   size−4      4  u32 CRC-32 (zlib's crc32: ISO-HDLC polynomial 0x04C11DB7, reflected,
//                  init and final xor 0xFFFFFFFF) of bytes [0, size − 4)
//
//   string          u32 length L (1 ≤ L ≤ 4096 for names, 0 ≤ L ≤ 4096 for the kind), then
//                   L bytes (UTF-8 by convention), no terminator
//   tensor record   string name; u8 dtype (1 = f32, 2 = f64); u8 rank R (2 in version 1);
//                   R × u64 extents, outermost first, each at most (2^63 − 1) / value width
//                   (even where another extent is 0); then product(extents) values, row-major
//   scalar record   string name; f64 value
//
// Names are unique among the parameters, among the optimiser tensors and among the optimiser
// scalars. No padding or alignment anywhere. The smallest file (nothing stored) is 44 bytes.
//
// A reader checks, in order: the magic, the version, the flags, that the recorded size is the
// file's size (so truncation is caught before anything else is read), the checksum, and then
// while parsing that every length and extent fits in the bytes that remain before it allocates.
#pragma once

#include <typegrad/nn/optim.hpp>

#include <cstdint>
#include <filesystem>
#include <span>
#include <stdexcept>
#include <string>
#include <variant>
#include <vector>

#include <xtensor/xtensor.hpp>

namespace typegrad::io {

// Every failure to save, load or restore: the message names the file or the parameter and
// the problem.
class checkpoint_error : public std::runtime_error {
  public:
    using std::runtime_error::runtime_error;
};

inline constexpr std::uint32_t checkpoint_format_version = 1;

// A stored tensor: f32 or f64, as the dtype byte says.
using tensor = std::variant<xt::xtensor<float, 2>, xt::xtensor<double, 2>>;

struct named_tensor {
    std::string name;
    tensor value;
};
using nn::named_scalar;

struct checkpoint {
    std::vector<named_tensor> parameters;
    std::string optimiser; // kind, empty when no optimiser state is stored
    std::vector<named_tensor> optimiser_tensors;
    std::vector<named_scalar> optimiser_scalars;
};

// Writes `c` to a temporary file beside `path` (path + ".tmp-XXXXXX"), fsyncs it, renames it
// over `path` and fsyncs the directory. On any error the temporary file is removed, `path` is
// left as it was, and checkpoint_error is thrown. A file that already exists keeps its
// permission bits; a new one gets mkstemp's 0600.
void save_checkpoint(const std::filesystem::path& path, const checkpoint& c);

// Reads and validates a checkpoint; see the format above for what is checked.
checkpoint load_checkpoint(const std::filesystem::path& path);

// Copies each parameter into c.parameters, replacing a record of the same name.
void store_parameters(checkpoint& c, std::span<const nn::parameter<float>> params);
void store_parameters(checkpoint& c, std::span<const nn::parameter<double>> params);

// Copies the checkpoint's values into the parameters' existing tensors. Every parameter must
// have a record of the same name, dtype and shape, and every record a parameter; otherwise
// checkpoint_error lists each mismatch (with both shapes) and no tensor is modified.
void restore_parameters(const checkpoint& c, std::span<const nn::parameter<float>> params);
void restore_parameters(const checkpoint& c, std::span<const nn::parameter<double>> params);

// Replaces the checkpoint's optimiser section with `s`.
void store_optimiser(checkpoint& c, const nn::optimiser_state<float>& s);
void store_optimiser(checkpoint& c, const nn::optimiser_state<double>& s);

// The optimiser section as an nn::optimiser_state<T>, for the optimiser's load_state. Throws
// if a tensor's dtype is not T.
template <class T>
nn::optimiser_state<T> optimiser_state_of(const checkpoint& c);

extern template nn::optimiser_state<float> optimiser_state_of<float>(const checkpoint&);
extern template nn::optimiser_state<double> optimiser_state_of<double>(const checkpoint&);

} // namespace typegrad::io
