// SPDX-License-Identifier: MIT
// A file that lives in memory, for fuzzing readers whose interface is a path.
//
// The readers open files by name (fopen, gzopen, open), so each input must be a real file;
// writing one to disk per execution would make the file system, not the reader, the thing
// being measured. A memfd is a regular file in RAM, reachable by the name
// /proc/self/fd/<n>, and rewriting it costs a truncate and a copy.
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <span>
#include <string>

namespace typegrad::fuzz {

class memory_file {
  public:
    explicit memory_file(const char* name) : fd_(::memfd_create(name, MFD_CLOEXEC)) {
        if (fd_ < 0) {
            std::perror("memfd_create");
            std::abort();
        }
        path_ = "/proc/self/fd/" + std::to_string(fd_);
    }
    memory_file(const memory_file&) = delete;
    memory_file& operator=(const memory_file&) = delete;
    ~memory_file() { ::close(fd_); }

    // Replaces the file's contents with `bytes`; the reader then opens path() afresh.
    void assign(std::span<const std::uint8_t> bytes) {
        if (::ftruncate(fd_, 0) != 0) {
            std::perror("ftruncate");
            std::abort();
        }
        std::size_t done = 0;
        while (done < bytes.size()) {
            const ssize_t w = ::pwrite(fd_, bytes.data() + done, bytes.size() - done,
                                       static_cast<off_t>(done));
            if (w <= 0) {
                std::perror("pwrite");
                std::abort();
            }
            done += static_cast<std::size_t>(w);
        }
    }
    const std::filesystem::path& path() const { return path_; }

  private:
    int fd_;
    std::filesystem::path path_;
};

} // namespace typegrad::fuzz
