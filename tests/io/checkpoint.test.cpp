// SPDX-License-Identifier: MIT
// Checkpoints: the documented layout, bit-exact round trips, refusal of every damaged file,
// restores that change nothing unless everything fits, and saves that never leave a
// half-written file in place.
#include <typegrad/io/checkpoint.hpp>

#include <doctest/doctest.h>

#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <limits>
#include <set>
#include <string>
#include <vector>

namespace fs = std::filesystem;
namespace io = typegrad::io;
namespace nn = typegrad::nn;
using bytes = std::vector<std::uint8_t>;

namespace {

struct temp_dir {
    fs::path path;
    temp_dir() {
        std::string tmpl = (fs::temp_directory_path() / "typegrad-ckpt-XXXXXX").string();
        REQUIRE(mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        fs::permissions(path, fs::perms::owner_all, fs::perm_options::add, ec);
        fs::remove_all(path, ec);
    }
    std::set<std::string> entries() const {
        std::set<std::string> out;
        for (const auto& e : fs::directory_iterator(path))
            out.insert(e.path().filename().string());
        return out;
    }
};

bytes read_file(const fs::path& file) {
    std::ifstream in(file, std::ios::binary);
    return bytes(std::istreambuf_iterator<char>(in), {});
}

void write_file(const fs::path& file, const bytes& b) {
    // Removed first: on ext4, truncating a file that has data makes close() flush it, which
    // made the every-length tests slow.
    fs::remove(file);
    std::ofstream out(file, std::ios::binary);
    out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
    REQUIRE(out.good());
}

// Recomputes the trailing CRC-32 after a deliberate edit, so that the edit itself is what
// the reader meets.
void reseal(bytes& b) {
    const auto crc = static_cast<std::uint32_t>(crc32_z(0, b.data(), b.size() - 4));
    for (int i = 0; i < 4; ++i)
        b[b.size() - 4 + static_cast<std::size_t>(i)] = static_cast<std::uint8_t>(crc >> (8 * i));
}

std::string load_error(const fs::path& file) {
    try {
        io::load_checkpoint(file);
    } catch (const io::checkpoint_error& e) {
        return e.what();
    }
    FAIL("loading " << file << " did not throw");
    return {};
}

std::string error_of(auto&& f) {
    try {
        f();
    } catch (const io::checkpoint_error& e) {
        return e.what();
    }
    FAIL("no checkpoint_error thrown");
    return {};
}

bool contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

template <class T>
bool same_bits(const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>& b) {
    return a.shape() == b.shape() &&
           (a.size() == 0 || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

// Values that a text or rounding round trip would lose: signed zero, infinities, NaN with a
// payload, subnormals, extremes, and a value with a full mantissa.
template <class T>
xt::xtensor<T, 2> awkward() {
    using lim = std::numeric_limits<T>;
    xt::xtensor<T, 2> x({3, 4});
    const T values[] = {T(-0.0),           lim::infinity(), -lim::infinity(), lim::quiet_NaN(),
                        lim::denorm_min(), lim::min(),      lim::max(),       lim::lowest(),
                        lim::epsilon(),    T(1) / T(3),     T(-2.5),          T(0)};
    std::copy(std::begin(values), std::end(values), x.begin());
    using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    x(0, 3) = std::bit_cast<T>(std::bit_cast<bits>(lim::quiet_NaN()) | bits{0x5a}); // NaN payload
    return x;
}

io::checkpoint sample() {
    io::checkpoint c;
    c.parameters.push_back({"W1", awkward<float>()});
    c.parameters.push_back({"b1", xt::xtensor<float, 2>({3, 1}, 0.25f)});
    c.parameters.push_back({"W2 (double)", awkward<double>()});
    c.parameters.push_back({"empty", xt::xtensor<double, 2>({0, 5})});
    c.optimiser = "adam";
    c.optimiser_tensors.push_back({"W1/exp_avg", xt::xtensor<float, 2>({3, 4}, -1.5f)});
    c.optimiser_scalars.push_back({"lr", 1e-3});
    c.optimiser_scalars.push_back({"W1/step", 3});
    return c;
}

} // namespace

TEST_CASE("the file is laid out byte by byte as the header documents") {
    temp_dir dir;
    io::checkpoint c;
    c.parameters.push_back({"w", xt::xtensor<float, 2>({1, 1}, 1.0f)});
    io::save_checkpoint(dir.path / "c", c);
    // clang-format off
    bytes expected = {
        0x89, 'T', 'G', 'C', 'K', 'P', 'T', '\n', // magic
        1, 0, 0, 0,                               // version 1
        0, 0, 0, 0,                               // flags
        71, 0, 0, 0, 0, 0, 0, 0,                  // file size
        1, 0, 0, 0,                               // one parameter
        1, 0, 0, 0, 'w',                          //   name "w"
        1, 2,                                     //   f32, rank 2
        1, 0, 0, 0, 0, 0, 0, 0,                   //   1 row
        1, 0, 0, 0, 0, 0, 0, 0,                   //   1 column
        0x00, 0x00, 0x80, 0x3f,                   //   1.0f
        0, 0, 0, 0,                               // optimiser kind ""
        0, 0, 0, 0,                               // no optimiser tensors
        0, 0, 0, 0,                               // no optimiser scalars
        0, 0, 0, 0,                               // CRC-32, below
    };
    // clang-format on
    reseal(expected);
    CHECK(read_file(dir.path / "c") == expected);
}

TEST_CASE("a checkpoint round-trips float and double values bit for bit") {
    temp_dir dir;
    const io::checkpoint c = sample();
    io::save_checkpoint(dir.path / "c.tgck", c);
    const io::checkpoint back = io::load_checkpoint(dir.path / "c.tgck");
    REQUIRE(back.parameters.size() == 4);
    CHECK(back.parameters[0].name == "W1");
    CHECK(same_bits(std::get<xt::xtensor<float, 2>>(back.parameters[0].value), awkward<float>()));
    CHECK(same_bits(std::get<xt::xtensor<float, 2>>(back.parameters[1].value),
                    xt::xtensor<float, 2>({3, 1}, 0.25f)));
    CHECK(back.parameters[2].name == "W2 (double)");
    CHECK(same_bits(std::get<xt::xtensor<double, 2>>(back.parameters[2].value), awkward<double>()));
    CHECK(std::get<xt::xtensor<double, 2>>(back.parameters[3].value).shape(1) == 5);
    CHECK(back.optimiser == "adam");
    REQUIRE(back.optimiser_tensors.size() == 1);
    CHECK(back.optimiser_tensors[0].name == "W1/exp_avg");
    CHECK(same_bits(std::get<xt::xtensor<float, 2>>(back.optimiser_tensors[0].value),
                    xt::xtensor<float, 2>({3, 4}, -1.5f)));
    REQUIRE(back.optimiser_scalars.size() == 2);
    CHECK(back.optimiser_scalars[0].name == "lr");
    CHECK(back.optimiser_scalars[0].value == 1e-3);
    CHECK(back.optimiser_scalars[1].value == 3);
    // Saving what was loaded reproduces the file exactly.
    io::save_checkpoint(dir.path / "again.tgck", back);
    CHECK(read_file(dir.path / "again.tgck") == read_file(dir.path / "c.tgck"));
}

TEST_CASE("a truncated file is refused at every length") {
    temp_dir dir;
    io::save_checkpoint(dir.path / "full", sample());
    const bytes full = read_file(dir.path / "full");
    for (std::size_t n = 0; n < full.size(); ++n) {
        CAPTURE(n);
        write_file(dir.path / "cut",
                   bytes(full.begin(), full.begin() + static_cast<std::ptrdiff_t>(n)));
        const std::string message = load_error(dir.path / "cut");
        CHECK(contains(message, (dir.path / "cut").string() + ": truncated"));
    }
    write_file(dir.path / "cut", {});
    CHECK(contains(load_error(dir.path / "cut"), "truncated: the file is empty"));
    write_file(dir.path / "cut", bytes(full.begin(), full.begin() + 10));
    CHECK(contains(load_error(dir.path / "cut"),
                   "truncated: the file has 10 bytes, the header alone needs 24"));
    write_file(dir.path / "cut", bytes(full.begin(), full.begin() + 100));
    CHECK(contains(load_error(dir.path / "cut"), "truncated: the header says " +
                                                     std::to_string(full.size()) +
                                                     " bytes, the file has 100"));
}

TEST_CASE("a flipped byte is caught by the checksum") {
    temp_dir dir;
    io::save_checkpoint(dir.path / "c", sample());
    bytes b = read_file(dir.path / "c");
    b[b.size() / 2] ^= 0x10;
    write_file(dir.path / "c", b);
    CHECK(contains(load_error(dir.path / "c"), "checksum mismatch: stored 0x"));
    CHECK(contains(load_error(dir.path / "c"), "(the file is corrupt)"));
}

TEST_CASE("a flip of any single byte is refused, never accepted and never a crash") {
    temp_dir dir;
    io::save_checkpoint(dir.path / "c", sample());
    const bytes good = read_file(dir.path / "c");
    for (std::size_t i = 0; i < good.size(); ++i) {
        CAPTURE(i);
        bytes b = good;
        b[i] ^= 0x01;
        write_file(dir.path / "flipped", b);
        CHECK_THROWS_AS(io::load_checkpoint(dir.path / "flipped"), io::checkpoint_error);
    }
}

TEST_CASE("a file with the wrong magic is not taken for a checkpoint") {
    temp_dir dir;
    write_file(dir.path / "idx",
               {0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 7});
    CHECK(
        contains(load_error(dir.path / "idx"), "not a typegrad checkpoint: wrong magic 00 00 08 03 "
                                               "00 00 00 01 (expected 89 54 47 43 4b 50 54 0a)"));
    CHECK(contains(load_error(dir.path / "missing"), "cannot open: No such file or directory"));
}

TEST_CASE("a checkpoint of another format version is refused by name") {
    temp_dir dir;
    io::save_checkpoint(dir.path / "c", sample());
    bytes b = read_file(dir.path / "c");
    b[8] = 2;
    reseal(b);
    write_file(dir.path / "c", b);
    CHECK(contains(load_error(dir.path / "c"),
                   "unsupported format version 2 (this build reads version 1)"));
}

TEST_CASE("absurd extents are refused before allocating, even with a valid checksum") {
    temp_dir dir;
    io::checkpoint c;
    c.parameters.push_back({"w", xt::xtensor<float, 2>({1, 1}, 1.0f)});
    io::save_checkpoint(dir.path / "c", c);
    bytes b = read_file(dir.path / "c");
    // The rows field of "w" sits at 24 + 4 + 4 + 1 + 2 = 35; claim 2^40 rows.
    b[35 + 5] = 1;
    reseal(b);
    write_file(dir.path / "c", b);
    CHECK(contains(load_error(dir.path / "c"),
                   "corrupt checkpoint: parameter \"w\" claims 1099511627777 × 1 values"));
}

TEST_CASE("a shape mismatch on restore names parameter and shapes and modifies nothing") {
    xt::xtensor<float, 2> w1({2, 3}, 1.0f), b1({2, 1}, 2.0f);
    const std::vector<nn::parameter<float>> model{{"W1", &w1}, {"b1", &b1}};
    io::checkpoint c;
    c.parameters.push_back({"W1", xt::xtensor<float, 2>({2, 3}, 9.0f)}); // fits, listed first
    c.parameters.push_back({"b1", xt::xtensor<float, 2>({1, 2}, 9.0f)}); // does not
    const std::string message = error_of([&] { io::restore_parameters(c, model); });
    CHECK(
        message ==
        "restore_parameters: nothing restored: parameter \"b1\": the checkpoint has shape (1, 2), "
        "the model (2, 1)");
    CHECK(w1 == xt::xtensor<float, 2>({2, 3}, 1.0f));
    CHECK(b1 == xt::xtensor<float, 2>({2, 1}, 2.0f));

    c.parameters[1].value = xt::xtensor<double, 2>({2, 1}, 9.0);
    CHECK(contains(error_of([&] { io::restore_parameters(c, model); }),
                   "parameter \"b1\": the checkpoint holds f64 values, the model f32"));
    c.parameters.pop_back();
    c.parameters.push_back({"b9", xt::xtensor<float, 2>({2, 1}, 9.0f)});
    const std::string names = error_of([&] { io::restore_parameters(c, model); });
    CHECK(contains(names, "parameter \"b1\" is not in the checkpoint"));
    CHECK(contains(names, "the checkpoint's parameter \"b9\" is not in the model"));
    CHECK(w1 == xt::xtensor<float, 2>({2, 3}, 1.0f));

    c.parameters.back() = {"b1", xt::xtensor<float, 2>({2, 1}, 9.0f)};
    io::restore_parameters(c, model);
    CHECK(w1 == xt::xtensor<float, 2>({2, 3}, 9.0f));
    CHECK(b1 == xt::xtensor<float, 2>({2, 1}, 9.0f));
}

TEST_CASE("a failed save leaves the previous checkpoint intact and no temporary file") {
    temp_dir dir;
    const fs::path target = dir.path / "model.tgck";
    io::checkpoint small;
    small.parameters.push_back({"w", xt::xtensor<float, 2>({1, 1}, 1.0f)});
    io::save_checkpoint(target, small);
    const bytes before = read_file(target);

    // Make the write fail part-way: a file-size limit below the new checkpoint's size makes
    // write() fail with EFBIG (SIGXFSZ ignored so that the process is not killed).
    io::checkpoint big;
    big.parameters.push_back({"w", xt::xtensor<double, 2>({100, 100}, 0.5)});
    rlimit old{};
    REQUIRE(getrlimit(RLIMIT_FSIZE, &old) == 0);
    auto* const old_handler = signal(SIGXFSZ, SIG_IGN);
    rlimit limited = old;
    limited.rlim_cur = 4096;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &limited) == 0);
    const std::string message = error_of([&] { io::save_checkpoint(target, big); });
    setrlimit(RLIMIT_FSIZE, &old);
    signal(SIGXFSZ, old_handler);

    CHECK(contains(message, "cannot write"));
    CHECK(contains(message, "File too large"));
    CHECK(contains(message, "(the previous file, if any, is unchanged)"));
    CHECK(read_file(target) == before);
    CHECK(dir.entries() == std::set<std::string>{"model.tgck"});

    // Where the directory cannot be written to (only observable when not running as root).
    if (geteuid() != 0) {
        fs::permissions(dir.path, fs::perms::owner_read | fs::perms::owner_exec);
        CHECK(contains(error_of([&] { io::save_checkpoint(target, big); }),
                       "cannot create a temporary file beside it"));
        fs::permissions(dir.path, fs::perms::owner_all);
        CHECK(read_file(target) == before);
    }
    CHECK(contains(error_of([&] { io::save_checkpoint(dir.path / "no-such-dir" / "c", big); }),
                   "cannot create a temporary file beside it: No such file or directory"));
}

TEST_CASE("a successful save replaces the file, keeps its permissions and leaves no temporary") {
    temp_dir dir;
    const fs::path target = dir.path / "model.tgck";
    io::save_checkpoint(target, sample());
    CHECK(dir.entries() == std::set<std::string>{"model.tgck"});
    fs::permissions(target, fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read);

    io::checkpoint other;
    other.parameters.push_back({"x", xt::xtensor<double, 2>({1, 2}, 3.0)});
    io::save_checkpoint(target, other);
    CHECK(dir.entries() == std::set<std::string>{"model.tgck"});
    CHECK(io::load_checkpoint(target).parameters.at(0).name == "x");
    CHECK(fs::status(target).permissions() ==
          (fs::perms::owner_read | fs::perms::owner_write | fs::perms::group_read));
}

TEST_CASE("a checkpoint with duplicate names is refused before anything is written") {
    temp_dir dir;
    io::checkpoint c;
    c.parameters.push_back({"w", xt::xtensor<float, 2>({1, 1}, 1.0f)});
    c.parameters.push_back({"w", xt::xtensor<float, 2>({1, 1}, 2.0f)});
    CHECK(contains(error_of([&] { io::save_checkpoint(dir.path / "c", c); }),
                   "cannot save: parameter name \"w\" appears twice"));
    CHECK(dir.entries().empty());
}

TEST_CASE("training resumed from a checkpoint continues exactly as uninterrupted training") {
    temp_dir dir;
    // Interrupted after two steps: parameters and Adam's state go through a file.
    xt::xtensor<double, 2> w({2, 2}, 0.5), resumed_w({2, 2}, 0.0);
    const xt::xtensor<double, 2> g1{{0.1, -0.2}, {0.3, 0.4}}, g2{{-0.5, 0.25}, {0.125, -1.0}},
        g3{{0.05, 0.5}, {-0.3, 0.2}};
    const std::vector<nn::parameter<double>> params{{"w", &w}}, resumed_params{{"w", &resumed_w}};
    nn::adam<double> adam({.lr = 0.01, .weight_decay = 0.01});
    for (const auto* g : {&g1, &g2})
        adam.step(params, std::array{g});

    io::checkpoint c;
    io::store_parameters(c, params);
    io::store_optimiser(c, adam.state());
    io::save_checkpoint(dir.path / "c", c);

    const io::checkpoint back = io::load_checkpoint(dir.path / "c");
    io::restore_parameters(back, resumed_params);
    nn::adam<double> resumed({});
    resumed.load_state(io::optimiser_state_of<double>(back), resumed_params);

    adam.step(params, std::array{&g3});
    resumed.step(resumed_params, std::array{&g3});
    CHECK(same_bits(resumed_w, w));
    CHECK(contains(error_of([&] { io::optimiser_state_of<float>(back); }),
                   "optimiser tensor \"w/exp_avg\" holds f64 values, f32 were asked for"));
}
