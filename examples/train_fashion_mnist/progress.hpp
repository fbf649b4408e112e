// SPDX-License-Identifier: MIT
// A one-line progress bar on a terminal: batches done, running loss, examples/s.
// Debian packages no C++ progress-bar library, and this needs twenty lines. When
// standard error is not a terminal (logs, CI) it stays silent.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstdio>

class progress_bar {
  public:
    // shown: false on every rank but the one that prints.
    explicit progress_bar(std::size_t total, bool shown = true) : total_(total), tty_(shown && isatty(fileno(stderr))) {}

    void update(std::size_t done, double loss, std::size_t examples) {
        if (!tty_ || (done % 10 != 0 && done != total_)) return;
        const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
        const int width = 30, filled = int(width * done / total_);
        std::fprintf(stderr, "\r  [%.*s%*s] %zu/%zu  loss %.4f  %.0f examples/s ", filled,
                     "##############################", width - filled, "", done, total_, loss,
                     seconds > 0 ? double(examples) / seconds : 0.0);
        if (done == total_) std::fputs("\r\033[K", stderr);
        std::fflush(stderr);
    }

  private:
    std::size_t total_;
    bool tty_;
    std::chrono::steady_clock::time_point start_ = std::chrono::steady_clock::now();
};
