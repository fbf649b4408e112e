// SPDX-License-Identifier: MIT
#include <typegrad/distributed/replicas.hpp>

#include <cstring>

namespace typegrad::distributed {

namespace {
template <class T>
std::uint64_t fnv1a(std::span<const T> values) noexcept {
    std::uint64_t h = 0xcbf29ce484222325ull;
    const auto* bytes = reinterpret_cast<const unsigned char*>(values.data());
    for (std::size_t i = 0; i < values.size_bytes(); ++i) h = (h ^ bytes[i]) * 0x100000001b3ull;
    return h;
}

std::string hex(std::uint64_t v) {
    char text[17];
    for (int i = 15; i >= 0; --i, v >>= 4) text[i] = "0123456789abcdef"[v & 15];
    text[16] = '\0';
    return text;
}

template <class T>
void check(world& w, std::span<const named_values<T>> params, std::string_view when) {
    std::vector<std::uint64_t> mine;
    mine.reserve(params.size());
    for (const auto& p : params) mine.push_back(fnv1a(p.values));
    const auto all = w.all_gather(mine);
    std::string differences;
    std::size_t count = 0;
    for (std::size_t i = 0; i < params.size(); ++i)
        for (int r = 1; r < w.size(); ++r) {
            const std::uint64_t theirs = all[std::size_t(r) * params.size() + i], root = all[i];
            if (theirs == root) continue;
            if (count++ < 8)
                differences += "\n  " + params[i].name + ": rank " + std::to_string(r) + " has checksum " + hex(theirs) +
                               ", rank 0 has " + hex(root);
        }
    if (count == 0) return;
    throw distributed_error("typegrad: distributed: replicas diverged " + std::string(when) + " (" +
                                std::to_string(count) + " parameter copies differ from rank 0's):" + differences,
                            w.rank() == 0, true);
}
} // namespace

std::uint64_t checksum(std::span<const float> values) noexcept { return fnv1a(values); }
std::uint64_t checksum(std::span<const double> values) noexcept { return fnv1a(values); }

void check_replicas(world& w, std::span<const named_values<float>> params, std::string_view when) {
    check(w, params, when);
}
void check_replicas(world& w, std::span<const named_values<double>> params, std::string_view when) {
    check(w, params, when);
}

} // namespace typegrad::distributed
