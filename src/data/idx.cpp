// SPDX-License-Identifier: MIT
#include <typegrad/data/idx.hpp>

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <limits>
#include <memory>
#include <string>
#include <system_error>

namespace typegrad::data {
namespace {

namespace fs = std::filesystem;

// Deflate cannot expand data by more than this factor (zlib's technical notes: 1032:1), so a
// gzip file of c bytes decompresses to at most c · 1032 bytes.
constexpr std::uint64_t max_deflate_ratio = 1032;

std::string hex32(std::uint32_t v) {
    char buf[11];
    std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
    return buf;
}

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
    throw data_error(file.string() + ": " + what);
}

// The bytes of a file, decompressed if it starts with the gzip magic.
class byte_source {
  public:
    explicit byte_source(const fs::path& file) : file_(file) {
        std::error_code ec;
        const auto status = fs::status(file, ec);
        if (ec || !fs::exists(status))
            fail(file,
                 "cannot open: " + (ec ? ec.message() : std::string("No such file or directory")));
        if (fs::is_directory(status))
            fail(file, "cannot open: is a directory");
        size_ = fs::file_size(file, ec);
        if (ec)
            fail(file, "cannot read its size: " + ec.message());

        plain_.reset(std::fopen(file.c_str(), "rb"));
        if (!plain_)
            fail(file, std::string("cannot open: ") + std::strerror(errno));
        unsigned char magic[2] = {0, 0};
        const std::size_t got = std::fread(magic, 1, 2, plain_.get());
        if (std::ferror(plain_.get()))
            fail(file, std::string("read error: ") + std::strerror(errno));
        gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
        if (gzip_) {
            plain_.reset();
            gz_ = gzopen(file.c_str(), "rb");
            if (gz_ == nullptr)
                fail(file, "cannot open gzip stream: " + std::string(std::strerror(errno)));
            gzbuffer(gz_, 1 << 16);
        } else {
            std::rewind(plain_.get());
        }
    }
    byte_source(const byte_source&) = delete;
    byte_source& operator=(const byte_source&) = delete;
    ~byte_source() {
        if (gz_ != nullptr)
            gzclose(gz_);
    }

    bool gzip() const { return gzip_; }
    // Why a short read was short, to append to a "truncated" message.
    std::string end_note() const {
        return gzip_truncated_ ? " (the gzip stream ends early: unexpected end of file)" : "";
    }
    std::uint64_t file_size() const { return size_; }

    // Reads up to n bytes; fewer only at the end of the data. A corrupt gzip stream throws; a
    // truncated one returns what it had and explains itself in end_note().
    std::size_t read(std::uint8_t* out, std::size_t n) {
        if (!gzip_) {
            const std::size_t got = std::fread(out, 1, n, plain_.get());
            if (std::ferror(plain_.get()))
                fail(file_, std::string("read error: ") + std::strerror(errno));
            return got;
        }
        std::size_t total = 0;
        while (total < n) {
            const auto chunk = static_cast<unsigned>(std::min<std::size_t>(n - total, 1u << 30));
            const int got = gzread(gz_, out + total, chunk);
            if (got > 0)
                total += static_cast<std::size_t>(got);
            if (!check_gzip() || got <= 0)
                break;
        }
        return total;
    }

  private:
    // False when the stream ended before its trailer; throws on every other error.
    bool check_gzip() {
        int err = Z_OK;
        std::string msg = gzerror(gz_, &err);
        // zlib prefixes its message with the path, which ours already starts with.
        if (const std::string prefix = file_.string() + ": "; msg.starts_with(prefix))
            msg.erase(0, prefix.size());
        switch (err) {
        case Z_OK:
            return true;
        case Z_BUF_ERROR:
            gzip_truncated_ = true;
            return false;
        case Z_DATA_ERROR:
            fail(file_, std::string("corrupt gzip stream: ") + msg);
        case Z_ERRNO:
            fail(file_, std::string("read error: ") + std::strerror(errno));
        default:
            fail(file_, std::string("gzip error: ") + msg);
        }
    }

    struct file_closer {
        void operator()(std::FILE* f) const { std::fclose(f); }
    };
    fs::path file_;
    std::uint64_t size_ = 0;
    bool gzip_ = false;
    bool gzip_truncated_ = false;
    std::unique_ptr<std::FILE, file_closer> plain_;
    gzFile gz_ = nullptr;
};

std::uint32_t big_endian_u32(const std::uint8_t* p) {
    return std::uint32_t{p[0]} << 24 | std::uint32_t{p[1]} << 16 | std::uint32_t{p[2]} << 8 |
           std::uint32_t{p[3]};
}

std::string shape_text(const std::vector<std::size_t>& extents) {
    std::string s;
    for (std::size_t i = 0; i < extents.size(); ++i)
        s += (i ? "×" : "") + std::to_string(extents[i]);
    return s;
}

} // namespace

idx_array read_idx(const fs::path& file, std::size_t rank) {
    if (rank == 0 || rank > 255)
        fail(file, "an IDX file has 1 to 255 dimensions, asked for " + std::to_string(rank));
    byte_source in(file);
    const std::uint32_t expected_magic = 0x0800u | static_cast<std::uint32_t>(rank);

    std::uint8_t head[4];
    if (const std::size_t got = in.read(head, 4); got < 4)
        fail(file, "truncated header: expected 4 bytes (magic number), got " + std::to_string(got) +
                       in.end_note());
    const std::uint32_t magic = big_endian_u32(head);
    if (magic != expected_magic)
        fail(file, "wrong magic number " + hex32(magic) + ", expected " + hex32(expected_magic) +
                       " (IDX of unsigned bytes with " + std::to_string(rank) + " dimension" +
                       (rank == 1 ? ")" : "s)"));

    std::vector<std::uint8_t> dims(4 * rank);
    if (const std::size_t got = in.read(dims.data(), dims.size()); got < dims.size())
        fail(file, "truncated header: expected " + std::to_string(4 + dims.size()) +
                       " bytes, got " + std::to_string(4 + got) + in.end_note());

    idx_array out;
    out.extents.resize(rank);
    for (std::size_t d = 0; d < rank; ++d)
        out.extents[d] = big_endian_u32(dims.data() + 4 * d);
    // The limit applies to the product of the non-zero extents, so that a file of 0 images
    // cannot declare images too large for any file to hold (the dataset would still size its
    // features by them). extent < 2^32 and product <= max_idx_bytes = 2^32 after each step,
    // so the product never wraps.
    std::uint64_t product = 1;
    bool empty = false;
    for (const std::size_t extent : out.extents) {
        empty = empty || extent == 0;
        product *= extent == 0 ? 1 : extent;
        if (product > max_idx_bytes)
            fail(file, "absurd size in header: " + shape_text(out.extents) +
                           " exceeds the limit of " + std::to_string(max_idx_bytes) + " bytes");
    }
    const std::uint64_t count = empty ? 0 : product;

    // Check the claim against what the file can hold before allocating for it.
    const std::uint64_t header_bytes = 4 + 4 * rank;
    if (!in.gzip()) {
        const std::uint64_t size = in.file_size();
        const std::uint64_t available = size > header_bytes ? size - header_bytes : 0;
        if (count > available)
            fail(file, "truncated data: header says " + shape_text(out.extents) + " = " +
                           std::to_string(count) + " bytes, file holds " +
                           std::to_string(available));
    } else if (count > in.file_size() * max_deflate_ratio) {
        fail(file, "absurd size in header: " + shape_text(out.extents) + " = " +
                       std::to_string(count) + " bytes cannot come from a gzip file of " +
                       std::to_string(in.file_size()) + " bytes");
    }

    out.values.resize(count);
    if (const std::size_t got = in.read(out.values.data(), out.values.size()); got < count)
        fail(file, "truncated data: expected " + std::to_string(count) + " bytes, got " +
                       std::to_string(got) + in.end_note());

    // Reading past the end also makes zlib check the gzip trailer (CRC-32 and length).
    std::uint8_t extra;
    if (in.read(&extra, 1) != 0)
        fail(file, "unexpected bytes after the " + std::to_string(count) +
                       " bytes of data the header describes");
    if (!in.end_note().empty())
        fail(file, "truncated gzip stream: its trailer is missing");
    return out;
}

idx_images read_idx_images(const fs::path& file) {
    idx_array a = read_idx(file, 3);
    return idx_images{a.extents[0], a.extents[1], a.extents[2], std::move(a.values)};
}

std::vector<std::uint8_t> read_idx_labels(const fs::path& file) {
    return read_idx(file, 1).values;
}

} // namespace typegrad::data
