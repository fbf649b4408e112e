// SPDX-License-Identifier: MIT
// IDX reading: good files, plain and gzipped, and each way a file can be bad.
#include <typegrad/data/idx.hpp>

#include <doctest/doctest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace fs = std::filesystem;
using typegrad::data::data_error;
using bytes = std::vector<std::uint8_t>;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "typegrad-idx-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

void put_u32(bytes& b, std::uint32_t v) {
    for (int shift = 24; shift >= 0; shift -= 8)
        b.push_back(static_cast<std::uint8_t>(v >> shift));
}

bytes idx_file(std::uint32_t magic, const std::vector<std::uint32_t>& extents,
               const bytes& values) {
    bytes b;
    put_u32(b, magic);
    for (auto e : extents)
        put_u32(b, e);
    b.insert(b.end(), values.begin(), values.end());
    return b;
}

void write_plain(const fs::path& file, const bytes& b) {
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    REQUIRE(out.good());
}

bytes read_plain(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), {});
}

void write_gzip(const fs::path& file, const bytes& b) {
    gzFile gz = gzopen(file.c_str(), "wb");
    REQUIRE(gz != nullptr);
    REQUIRE(gzwrite(gz, b.data(), static_cast<unsigned>(b.size())) == static_cast<int>(b.size()));
    REQUIRE(gzclose(gz) == Z_OK);
}

// The message of the data_error that reading `file` as images throws.
std::string images_error(const fs::path& file) {
    try {
        typegrad::data::read_idx_images(file);
    } catch (const data_error& e) {
        return e.what();
    }
    FAIL("reading " << file << " did not throw");
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

// Two 3×4 images with distinct pixel values.
const bytes pixels = [] {
    bytes p(2 * 3 * 4);
    for (std::size_t i = 0; i < p.size(); ++i)
        p[i] = static_cast<std::uint8_t>(10 * i + 1);
    return p;
}();
const bytes images = idx_file(0x803, {2, 3, 4}, pixels);

} // namespace

TEST_CASE("a plain IDX images file reads as count × rows × cols bytes") {
    temp_dir dir;
    write_plain(dir.path / "images", images);
    const auto got = typegrad::data::read_idx_images(dir.path / "images");
    CHECK(got.count == 2);
    CHECK(got.rows == 3);
    CHECK(got.cols == 4);
    CHECK(got.pixels == pixels);
}

TEST_CASE("a gzipped IDX file reads the same as the plain one") {
    temp_dir dir;
    write_gzip(dir.path / "images.gz", images);
    CHECK(typegrad::data::read_idx_images(dir.path / "images.gz").pixels == pixels);

    write_gzip(dir.path / "labels.gz", idx_file(0x801, {3}, {7, 0, 9}));
    CHECK(typegrad::data::read_idx_labels(dir.path / "labels.gz") == bytes{7, 0, 9});
}

TEST_CASE("a missing file or a directory is refused, naming the path") {
    temp_dir dir;
    const std::string missing = images_error(dir.path / "nope.gz");
    CHECK(contains(missing, (dir.path / "nope.gz").string()));
    CHECK(contains(missing, "cannot open: No such file or directory"));
    CHECK(contains(images_error(dir.path), "is a directory"));
}

TEST_CASE("a truncated header says how many bytes it expected and got") {
    temp_dir dir;
    write_plain(dir.path / "empty", {});
    CHECK(contains(images_error(dir.path / "empty"),
                   "truncated header: expected 4 bytes (magic number), got 0"));
    write_plain(dir.path / "short", bytes(images.begin(), images.begin() + 10));
    CHECK(
        contains(images_error(dir.path / "short"), "truncated header: expected 16 bytes, got 10"));
}

TEST_CASE("truncated data is refused before allocating, with bytes expected and available") {
    temp_dir dir;
    write_plain(dir.path / "images", bytes(images.begin(), images.end() - 4));
    CHECK(contains(images_error(dir.path / "images"),
                   "truncated data: header says 2×3×4 = 24 bytes, file holds 20"));
}

TEST_CASE("a truncated gzip stream is refused at every cut") {
    temp_dir dir;
    write_gzip(dir.path / "full.gz", images);
    const bytes gz = read_plain(dir.path / "full.gz");
    for (std::size_t cut = 2; cut < gz.size(); ++cut) {
        CAPTURE(cut);
        write_plain(dir.path / "cut.gz",
                    bytes(gz.begin(), gz.begin() + static_cast<std::ptrdiff_t>(cut)));
        CHECK(contains(images_error(dir.path / "cut.gz"), "truncated"));
    }
    // Only the trailer (CRC-32 and length) missing: all the data is there, yet refused.
    write_plain(dir.path / "no-trailer.gz", bytes(gz.begin(), gz.end() - 8));
    CHECK(contains(images_error(dir.path / "no-trailer.gz"),
                   "truncated gzip stream: its trailer is missing"));
}

TEST_CASE("a corrupt gzip stream is refused") {
    temp_dir dir;
    write_gzip(dir.path / "full.gz", images);
    const bytes gz = read_plain(dir.path / "full.gz");

    bytes bad_block = gz; // byte 10 starts the deflate data; block type 3 does not exist
    bad_block[10] |= 0x06;
    write_plain(dir.path / "bad-block.gz", bad_block);
    const std::string block_error = images_error(dir.path / "bad-block.gz");
    CHECK(contains(block_error, "corrupt gzip stream: invalid block type"));
    CHECK(contains(block_error, (dir.path / "bad-block.gz").string()));

    bytes bad_crc = gz; // the trailer's CRC-32 no longer matches the data
    bad_crc[gz.size() - 8] ^= 0xff;
    write_plain(dir.path / "bad-crc.gz", bad_crc);
    CHECK(contains(images_error(dir.path / "bad-crc.gz"),
                   "corrupt gzip stream: incorrect data check"));
}

TEST_CASE("a wrong magic number is printed in hex beside the expected one") {
    temp_dir dir;
    write_plain(dir.path / "labels", idx_file(0x801, {2}, {1, 2}));
    CHECK(contains(images_error(dir.path / "labels"),
                   "wrong magic number 0x00000801, expected 0x00000803 (IDX of unsigned bytes with "
                   "3 dimensions)"));
    write_gzip(dir.path / "text.gz", {'h', 'e', 'l', 'l', 'o', '\n'});
    CHECK(contains(images_error(dir.path / "text.gz"), "wrong magic number 0x68656c6c"));
}

TEST_CASE("absurd sizes in the header are refused before allocating") {
    temp_dir dir;
    // 2^32−1 × 2^32−1 × 2 overflows 64 bits once multiplied out.
    write_plain(dir.path / "huge", idx_file(0x803, {0xffffffff, 0xffffffff, 2}, {}));
    CHECK(contains(
        images_error(dir.path / "huge"),
        "absurd size in header: 4294967295×4294967295×2 exceeds the limit of 4294967296 bytes"));
    // 1 GiB claimed by a gzip file of a few dozen bytes: deflate cannot expand that much.
    write_gzip(dir.path / "claims.gz", idx_file(0x803, {1024, 1024, 1024}, {1, 2, 3}));
    CHECK(contains(images_error(dir.path / "claims.gz"), "cannot come from a gzip file"));
    // The same claim in a plain file is simply truncated.
    write_plain(dir.path / "claims", idx_file(0x803, {1024, 1024, 1024}, {1, 2, 3}));
    CHECK(contains(images_error(dir.path / "claims"),
                   "header says 1024×1024×1024 = 1073741824 bytes, file holds 3"));
}

TEST_CASE("bytes after the data the header describes are refused") {
    temp_dir dir;
    bytes longer = images;
    longer.push_back(0);
    write_plain(dir.path / "longer", longer);
    CHECK(contains(images_error(dir.path / "longer"), "unexpected bytes after the 24 bytes"));
    write_gzip(dir.path / "longer.gz", longer);
    CHECK(contains(images_error(dir.path / "longer.gz"), "unexpected bytes after the 24 bytes"));
}
