// SPDX-License-Identifier: MIT
#include <typegrad/io/checkpoint.hpp>

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <limits>
#include <set>
#include <type_traits>

namespace typegrad::io {
namespace {

namespace fs = std::filesystem;

constexpr std::uint8_t magic[8] = {0x89, 'T', 'G', 'C', 'K', 'P', 'T', '\n'};
constexpr std::size_t header_size = 24;
constexpr std::size_t trailer_size = 4;
constexpr std::size_t smallest_file = header_size + 4 + 4 + 4 + 4 + trailer_size;
constexpr std::size_t max_name = 4096;
constexpr std::uint8_t dtype_f32 = 1, dtype_f64 = 2;

[[noreturn]] void fail(const fs::path& file, const std::string& what) {
    throw checkpoint_error(file.string() + ": " + what);
}

std::string errno_text() {
    return std::strerror(errno);
}

std::string hex32(std::uint32_t v) {
    char buf[11];
    std::snprintf(buf, sizeof buf, "0x%08x", static_cast<unsigned>(v));
    return buf;
}

std::string in_quotes(const std::string& s) {
    return "\"" + s + "\"";
}

template <class T>
std::string shape_text(const xt::xtensor<T, 2>& t) {
    return "(" + std::to_string(t.shape(0)) + ", " + std::to_string(t.shape(1)) + ")";
}

std::string shape_text(const tensor& t) {
    return std::visit([](const auto& x) { return shape_text(x); }, t);
}

template <class T>
constexpr const char* dtype_name() {
    return std::is_same_v<T, float> ? "f32" : "f64";
}

std::string dtype_name(const tensor& t) {
    return t.index() == 0 ? "f32" : "f64";
}

// ---------------------------------------------------------------------------------- encoding

class writer {
  public:
    void u8(std::uint8_t v) { bytes_.push_back(v); }
    void u32(std::uint32_t v) {
        for (int i = 0; i < 4; ++i)
            bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void u64(std::uint64_t v) {
        for (int i = 0; i < 8; ++i)
            bytes_.push_back(static_cast<std::uint8_t>(v >> (8 * i)));
    }
    void f64(double v) { u64(std::bit_cast<std::uint64_t>(v)); }
    void string(const std::string& s) {
        u32(static_cast<std::uint32_t>(s.size()));
        bytes_.insert(bytes_.end(), s.begin(), s.end());
    }
    template <class T>
    void values(const xt::xtensor<T, 2>& t) {
        using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
        const std::size_t at = bytes_.size();
        bytes_.resize(at + t.size() * sizeof(T));
        if constexpr (std::endian::native == std::endian::little) {
            if (t.size() != 0)
                std::memcpy(bytes_.data() + at, t.data(), t.size() * sizeof(T));
        } else {
            for (std::size_t k = 0; k < t.size(); ++k) {
                const bits b = std::bit_cast<bits>(t.data()[k]);
                for (std::size_t i = 0; i < sizeof(T); ++i)
                    bytes_[at + k * sizeof(T) + i] = static_cast<std::uint8_t>(b >> (8 * i));
            }
        }
    }
    void tensor_record(const named_tensor& t) {
        string(t.name);
        std::visit(
            [&](const auto& x) {
                using T = typename std::decay_t<decltype(x)>::value_type;
                u8(std::is_same_v<T, float> ? dtype_f32 : dtype_f64);
                u8(2);
                u64(x.shape(0));
                u64(x.shape(1));
                values(x);
            },
            t.value);
    }
    std::vector<std::uint8_t>& bytes() { return bytes_; }

  private:
    std::vector<std::uint8_t> bytes_;
};

void check_names(const fs::path& file, const char* section, const std::vector<std::string>& names) {
    std::set<std::string> seen;
    for (const auto& n : names) {
        if (n.empty() || n.size() > max_name)
            fail(file, std::string("cannot save: ") + section + " name of " +
                           std::to_string(n.size()) + " bytes (must be 1.." +
                           std::to_string(max_name) + ")");
        if (!seen.insert(n).second)
            fail(file, std::string("cannot save: ") + section + " name " + in_quotes(n) +
                           " appears twice");
    }
}

std::vector<std::uint8_t> encode(const fs::path& file, const checkpoint& c) {
    const auto names = [](const auto& records) {
        std::vector<std::string> out;
        for (const auto& r : records)
            out.push_back(r.name);
        return out;
    };
    check_names(file, "parameter", names(c.parameters));
    check_names(file, "optimiser tensor", names(c.optimiser_tensors));
    check_names(file, "optimiser scalar", names(c.optimiser_scalars));
    if (c.optimiser.size() > max_name)
        fail(file, "cannot save: the optimiser kind is longer than 4096 bytes");
    if (c.parameters.size() > std::numeric_limits<std::uint32_t>::max() ||
        c.optimiser_tensors.size() > std::numeric_limits<std::uint32_t>::max() ||
        c.optimiser_scalars.size() > std::numeric_limits<std::uint32_t>::max())
        fail(file, "cannot save: more than 2^32 − 1 records in a section");

    writer w;
    for (const std::uint8_t b : magic)
        w.u8(b);
    w.u32(checkpoint_format_version);
    w.u32(0);
    w.u64(0); // the file size, filled in below
    w.u32(static_cast<std::uint32_t>(c.parameters.size()));
    for (const auto& t : c.parameters)
        w.tensor_record(t);
    w.string(c.optimiser);
    w.u32(static_cast<std::uint32_t>(c.optimiser_tensors.size()));
    for (const auto& t : c.optimiser_tensors)
        w.tensor_record(t);
    w.u32(static_cast<std::uint32_t>(c.optimiser_scalars.size()));
    for (const auto& s : c.optimiser_scalars) {
        w.string(s.name);
        w.f64(s.value);
    }
    std::vector<std::uint8_t>& bytes = w.bytes();
    const std::uint64_t size = bytes.size() + trailer_size;
    for (int i = 0; i < 8; ++i)
        bytes[16 + i] = static_cast<std::uint8_t>(size >> (8 * i));
    w.u32(static_cast<std::uint32_t>(crc32_z(0, bytes.data(), bytes.size())));
    return std::move(bytes);
}

// ---------------------------------------------------------------------------------- decoding

std::uint64_t little_endian(const std::uint8_t* p, std::size_t n) {
    std::uint64_t v = 0;
    for (std::size_t i = 0; i < n; ++i)
        v |= std::uint64_t{p[i]} << (8 * i);
    return v;
}

// Reads the body of a whole, checksummed file, checking each length against what is left.
class reader {
  public:
    reader(const fs::path& file, const std::vector<std::uint8_t>& bytes)
        : file_(file), bytes_(bytes), at_(header_size), end_(bytes.size() - trailer_size) {}

    std::uint64_t u(std::size_t n, const char* what) {
        need(n, what);
        const std::uint64_t v = little_endian(bytes_.data() + at_, n);
        at_ += n;
        return v;
    }
    // A record count: each record takes at least `min_record` bytes, so a count that could
    // not fit is refused before anything is reserved for it.
    std::uint32_t count(const char* what, std::size_t min_record) {
        const auto n = static_cast<std::uint32_t>(u(4, what));
        if (n > (end_ - at_) / min_record)
            corrupt(std::string(what) + " says " + std::to_string(n) + " records, more than the " +
                    std::to_string(end_ - at_) + " remaining bytes can hold");
        return n;
    }
    std::string string(const char* what, bool allow_empty) {
        const std::uint64_t n = u(4, what);
        if (n > max_name || (n == 0 && !allow_empty))
            corrupt(std::string(what) + " has length " + std::to_string(n) + " (must be " +
                    (allow_empty ? "0" : "1") + ".." + std::to_string(max_name) + ")");
        need(n, what);
        std::string s(reinterpret_cast<const char*>(bytes_.data() + at_), n);
        at_ += n;
        return s;
    }
    named_tensor tensor_record(const char* section) {
        named_tensor t{string(section, false), {}};
        const std::string what = std::string(section) + " " + in_quotes(t.name);
        const auto dtype = static_cast<std::uint8_t>(u(1, what.c_str()));
        const auto rank = static_cast<std::uint8_t>(u(1, what.c_str()));
        if (dtype != dtype_f32 && dtype != dtype_f64)
            corrupt(what + " has unknown dtype " + std::to_string(dtype));
        if (rank != 2)
            corrupt(what + " has rank " + std::to_string(rank) + ", version 1 stores rank 2 only");
        const std::uint64_t rows = u(8, what.c_str()), cols = u(8, what.c_str());
        const std::size_t width = dtype == dtype_f32 ? 4 : 8;
        // The byte test below says nothing when the other extent is 0, yet xtensor turns each
        // extent into signed strides: an extent past what a ptrdiff_t byte offset can reach is
        // one no tensor in memory can have, and building the (empty) tensor would overflow.
        const std::uint64_t max_extent =
            static_cast<std::uint64_t>(std::numeric_limits<std::ptrdiff_t>::max()) / width;
        if (rows > max_extent || cols > max_extent)
            corrupt(what + " has shape " + std::to_string(rows) + " × " + std::to_string(cols) +
                    ", an extent larger than " + std::to_string(max_extent) +
                    " (no tensor can have it)");
        // rows · cols · width must fit in what is left; checked by division, so nothing overflows.
        const std::uint64_t left = end_ - at_;
        if (rows != 0 && (cols > left / rows || cols * rows > left / width))
            corrupt(what + " claims " + std::to_string(rows) + " × " + std::to_string(cols) +
                    " values of " + std::to_string(width) + " bytes, more than the " +
                    std::to_string(left) + " bytes left");
        if (dtype == dtype_f32)
            t.value = values<float>(rows, cols);
        else
            t.value = values<double>(rows, cols);
        return t;
    }
    double f64(const char* what) { return std::bit_cast<double>(u(8, what)); }
    void finish() {
        if (at_ != end_)
            corrupt(std::to_string(end_ - at_) + " unexpected bytes before the checksum");
    }

  private:
    template <class T>
    xt::xtensor<T, 2> values(std::size_t rows, std::size_t cols) {
        xt::xtensor<T, 2> x({rows, cols});
        const std::size_t n = x.size() * sizeof(T);
        if constexpr (std::endian::native == std::endian::little) {
            if (n != 0)
                std::memcpy(x.data(), bytes_.data() + at_, n);
        } else {
            using bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
            for (std::size_t k = 0; k < x.size(); ++k)
                x.data()[k] = std::bit_cast<T>(static_cast<bits>(
                    little_endian(bytes_.data() + at_ + k * sizeof(T), sizeof(T))));
        }
        at_ += n;
        return x;
    }
    void need(std::uint64_t n, const std::string& what) {
        if (n > end_ - at_)
            corrupt(what + " needs " + std::to_string(n) + " bytes at offset " +
                    std::to_string(at_) + ", only " + std::to_string(end_ - at_) +
                    " remain before the checksum");
    }
    [[noreturn]] void corrupt(const std::string& what) {
        fail(file_, "corrupt checkpoint: " + what);
    }

    const fs::path& file_;
    const std::vector<std::uint8_t>& bytes_;
    std::size_t at_, end_;
};

// A file descriptor closed on scope exit.
struct descriptor {
    int fd = -1;
    ~descriptor() {
        if (fd >= 0)
            ::close(fd);
    }
};

// Reads exactly n bytes at the current offset, or fewer at end of file.
std::size_t read_fully(int fd, std::uint8_t* out, std::size_t n) {
    std::size_t got = 0;
    while (got < n) {
        const ssize_t r = ::read(fd, out + got, n - got);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0)
            return static_cast<std::size_t>(-1);
        if (r == 0)
            break;
        got += static_cast<std::size_t>(r);
    }
    return got;
}

void check_unique(const fs::path& file, const char* section,
                  const std::vector<std::string>& names) {
    std::set<std::string> seen;
    for (const auto& n : names)
        if (!seen.insert(n).second)
            fail(file, std::string("corrupt checkpoint: ") + section + " name " + in_quotes(n) +
                           " appears twice");
}

// -------------------------------------------------------------------------------- parameters

template <class T>
void store_parameters_impl(checkpoint& c, std::span<const nn::parameter<T>> params) {
    for (const auto& p : params) {
        if (p.value == nullptr)
            throw checkpoint_error("store_parameters: parameter " + in_quotes(p.name) +
                                   " has no tensor");
        auto it = std::find_if(c.parameters.begin(), c.parameters.end(),
                               [&](const auto& r) { return r.name == p.name; });
        if (it == c.parameters.end())
            c.parameters.push_back({p.name, *p.value});
        else
            it->value = *p.value;
    }
}

template <class T>
void restore_parameters_impl(const checkpoint& c, std::span<const nn::parameter<T>> params) {
    // Validate everything first and say everything that is wrong; copy only if nothing is.
    std::vector<std::string> problems;
    std::vector<const xt::xtensor<T, 2>*> sources(params.size(), nullptr);
    std::set<std::string> model_names;
    for (std::size_t i = 0; i < params.size(); ++i) {
        const auto& p = params[i];
        if (!model_names.insert(p.name).second) {
            problems.push_back("parameter " + in_quotes(p.name) + " is given twice");
            continue;
        }
        if (p.value == nullptr) {
            problems.push_back("parameter " + in_quotes(p.name) + " has no tensor");
            continue;
        }
        const auto it = std::find_if(c.parameters.begin(), c.parameters.end(),
                                     [&](const auto& r) { return r.name == p.name; });
        if (it == c.parameters.end()) {
            problems.push_back("parameter " + in_quotes(p.name) + " is not in the checkpoint");
            continue;
        }
        const auto* stored = std::get_if<xt::xtensor<T, 2>>(&it->value);
        if (stored == nullptr) {
            problems.push_back("parameter " + in_quotes(p.name) + ": the checkpoint holds " +
                               dtype_name(it->value) + " values, the model " + dtype_name<T>() +
                               " (shape " + shape_text(it->value) + ")");
            continue;
        }
        if (stored->shape() != p.value->shape()) {
            problems.push_back("parameter " + in_quotes(p.name) + ": the checkpoint has shape " +
                               shape_text(*stored) + ", the model " + shape_text(*p.value));
            continue;
        }
        sources[i] = stored;
    }
    for (const auto& r : c.parameters)
        if (!model_names.contains(r.name))
            problems.push_back("the checkpoint's parameter " + in_quotes(r.name) +
                               " is not in the model");
    if (!problems.empty()) {
        std::string message = "restore_parameters: nothing restored: ";
        for (std::size_t i = 0; i < problems.size(); ++i)
            message += (i ? "; " : "") + problems[i];
        throw checkpoint_error(message);
    }
    for (std::size_t i = 0; i < params.size(); ++i)
        std::copy(sources[i]->begin(), sources[i]->end(), params[i].value->begin());
}

template <class T>
void store_optimiser_impl(checkpoint& c, const nn::optimiser_state<T>& s) {
    c.optimiser = s.kind;
    c.optimiser_tensors.clear();
    for (const auto& t : s.tensors)
        c.optimiser_tensors.push_back({t.name, t.value});
    c.optimiser_scalars = s.scalars;
}

} // namespace

// ------------------------------------------------------------------------------- save / load

void save_checkpoint(const fs::path& path, const checkpoint& c) {
    const std::vector<std::uint8_t> bytes = encode(path, c); // validates before touching disk

    std::string temp = path.string() + ".tmp-XXXXXX";
    descriptor out{::mkstemp(temp.data())};
    if (out.fd < 0)
        fail(path, "cannot create a temporary file beside it: " + errno_text());
    // Gives up on the temporary file; `action` failed with the current errno.
    const auto abandon = [&](const char* action) {
        const int error = errno;
        const std::string reason = std::string(action) + " " + temp + ": " + std::strerror(error);
        ::close(out.fd);
        out.fd = -1;
        ::unlink(temp.c_str());
        fail(path, reason + " (the previous file, if any, is unchanged)");
    };

    std::size_t written = 0;
    while (written < bytes.size()) {
        const ssize_t w = ::write(out.fd, bytes.data() + written, bytes.size() - written);
        if (w < 0 && errno == EINTR)
            continue;
        if (w < 0)
            abandon("cannot write");
        written += static_cast<std::size_t>(w);
    }
    if (struct stat st; ::stat(path.c_str(), &st) == 0 && ::fchmod(out.fd, st.st_mode & 07777) != 0)
        abandon("cannot set the permissions of");
    if (::fsync(out.fd) != 0)
        abandon("cannot fsync");
    const int closed = ::close(out.fd);
    out.fd = -1;
    if (closed != 0) {
        const std::string reason = errno_text();
        ::unlink(temp.c_str());
        fail(path,
             "cannot close " + temp + ": " + reason + " (the previous file, if any, is unchanged)");
    }
    if (::rename(temp.c_str(), path.c_str()) != 0) {
        const std::string reason = errno_text();
        ::unlink(temp.c_str());
        fail(path, "cannot rename " + temp + " over it: " + reason +
                       " (the previous file, if any, is unchanged)");
    }
    // Make the rename itself durable.
    const fs::path dir = path.has_parent_path() ? path.parent_path() : fs::path(".");
    descriptor d{::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC)};
    if (d.fd < 0 || ::fsync(d.fd) != 0)
        fail(path, "saved, but syncing its directory failed: " + errno_text());
}

checkpoint load_checkpoint(const fs::path& path) {
    descriptor in{::open(path.c_str(), O_RDONLY | O_CLOEXEC)};
    if (in.fd < 0)
        fail(path, "cannot open: " + errno_text());
    struct stat st;
    if (::fstat(in.fd, &st) != 0)
        fail(path, "cannot stat: " + errno_text());
    if (!S_ISREG(st.st_mode))
        fail(path, "not a regular file");
    const auto size = static_cast<std::uint64_t>(st.st_size);

    std::uint8_t header[header_size] = {};
    const std::size_t got = read_fully(in.fd, header, header_size);
    if (got == static_cast<std::size_t>(-1))
        fail(path, "read error: " + errno_text());
    if (got == 0)
        fail(path, "truncated: the file is empty");
    if (const std::size_t n = std::min<std::size_t>(got, sizeof magic);
        std::memcmp(header, magic, n) != 0) {
        char shown[3 * sizeof magic + 1] = {};
        for (std::size_t i = 0; i < n; ++i)
            std::snprintf(shown + 3 * i, 4, "%02x ", header[i]);
        fail(path, std::string("not a typegrad checkpoint: wrong magic ") + shown +
                       "(expected 89 54 47 43 4b 50 54 0a)");
    }
    if (got < header_size)
        fail(path, "truncated: the file has " + std::to_string(got) +
                       " bytes, the header alone needs " + std::to_string(header_size));
    const auto version = static_cast<std::uint32_t>(little_endian(header + 8, 4));
    if (version != checkpoint_format_version)
        fail(path, "unsupported format version " + std::to_string(version) +
                       " (this build reads version " + std::to_string(checkpoint_format_version) +
                       ")");
    if (const auto flags = static_cast<std::uint32_t>(little_endian(header + 12, 4)); flags != 0)
        fail(path, "unsupported flags " + hex32(flags) + " (version 1 defines none)");
    const std::uint64_t recorded = little_endian(header + 16, 8);
    if (recorded < smallest_file)
        fail(path, "corrupt checkpoint: the header records a size of " + std::to_string(recorded) +
                       " bytes, less than the smallest checkpoint (" +
                       std::to_string(smallest_file) + ")");
    if (size < recorded)
        fail(path, "truncated: the header says " + std::to_string(recorded) +
                       " bytes, the file has " + std::to_string(size));
    if (size > recorded)
        fail(path, "the header says " + std::to_string(recorded) + " bytes but the file has " +
                       std::to_string(size) + " (data appended after the checkpoint)");

    std::vector<std::uint8_t> bytes(size);
    std::memcpy(bytes.data(), header, header_size);
    const std::size_t rest = read_fully(in.fd, bytes.data() + header_size, size - header_size);
    if (rest == static_cast<std::size_t>(-1))
        fail(path, "read error: " + errno_text());
    if (rest != size - header_size)
        fail(path, "truncated while reading: expected " + std::to_string(size) + " bytes, got " +
                       std::to_string(header_size + rest));

    const auto stored =
        static_cast<std::uint32_t>(little_endian(bytes.data() + size - trailer_size, 4));
    const auto computed = static_cast<std::uint32_t>(crc32_z(0, bytes.data(), size - trailer_size));
    if (stored != computed)
        fail(path, "checksum mismatch: stored " + hex32(stored) + ", computed " + hex32(computed) +
                       " (the file is corrupt)");

    reader r(path, bytes);
    checkpoint c;
    const std::size_t min_tensor = 4 + 1 + 1 + 1 + 8 + 8, min_scalar = 4 + 1 + 8;
    for (std::uint32_t n = r.count("the parameter count", min_tensor), i = 0; i < n; ++i)
        c.parameters.push_back(r.tensor_record("parameter"));
    c.optimiser = r.string("the optimiser kind", true);
    for (std::uint32_t n = r.count("the optimiser tensor count", min_tensor), i = 0; i < n; ++i)
        c.optimiser_tensors.push_back(r.tensor_record("optimiser tensor"));
    for (std::uint32_t n = r.count("the optimiser scalar count", min_scalar), i = 0; i < n; ++i) {
        std::string name = r.string("optimiser scalar name", false);
        const double v = r.f64(("optimiser scalar " + in_quotes(name)).c_str());
        c.optimiser_scalars.push_back({std::move(name), v});
    }
    r.finish();

    const auto names = [](const auto& records) {
        std::vector<std::string> out;
        for (const auto& x : records)
            out.push_back(x.name);
        return out;
    };
    check_unique(path, "parameter", names(c.parameters));
    check_unique(path, "optimiser tensor", names(c.optimiser_tensors));
    check_unique(path, "optimiser scalar", names(c.optimiser_scalars));
    return c;
}

// ------------------------------------------------------------------------ parameters, state

void store_parameters(checkpoint& c, std::span<const nn::parameter<float>> p) {
    store_parameters_impl(c, p);
}
void store_parameters(checkpoint& c, std::span<const nn::parameter<double>> p) {
    store_parameters_impl(c, p);
}
void restore_parameters(const checkpoint& c, std::span<const nn::parameter<float>> p) {
    restore_parameters_impl(c, p);
}
void restore_parameters(const checkpoint& c, std::span<const nn::parameter<double>> p) {
    restore_parameters_impl(c, p);
}
void store_optimiser(checkpoint& c, const nn::optimiser_state<float>& s) {
    store_optimiser_impl(c, s);
}
void store_optimiser(checkpoint& c, const nn::optimiser_state<double>& s) {
    store_optimiser_impl(c, s);
}

template <class T>
nn::optimiser_state<T> optimiser_state_of(const checkpoint& c) {
    nn::optimiser_state<T> s{c.optimiser, {}, c.optimiser_scalars};
    for (const auto& t : c.optimiser_tensors) {
        const auto* x = std::get_if<xt::xtensor<T, 2>>(&t.value);
        if (x == nullptr)
            throw checkpoint_error("optimiser_state_of: optimiser tensor " + in_quotes(t.name) +
                                   " holds " + dtype_name(t.value) + " values, " + dtype_name<T>() +
                                   " were asked for");
        s.tensors.push_back({t.name, *x});
    }
    return s;
}

template nn::optimiser_state<float> optimiser_state_of<float>(const checkpoint&);
template nn::optimiser_state<double> optimiser_state_of<double>(const checkpoint&);

} // namespace typegrad::io
