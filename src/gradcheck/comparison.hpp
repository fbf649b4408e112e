// SPDX-License-Identifier: MIT
// Private to src/gradcheck: what the MLP check (gradcheck.cpp), the LeNet-5 check
// (lenet.cpp) and the check against differences alone (differences.cpp) share: the seeded
// random source, the metric of difference, the order in which entries are sampled for
// finite differences, and the comparison of one tensor.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>
#include <numeric>
#include <random>
#include <string>
#include <utility>
#include <vector>

#include <typegrad/gradcheck.hpp>

namespace typegrad::gradcheck::detail {

// std::mt19937_64's output is fixed by the standard; the distributions are not, so the
// uniform and the integer draws are made by hand, as in reference::random_params.
class random_source {
  public:
    explicit random_source(std::uint64_t seed) : engine_(seed) {}
    double uniform(double lo, double hi) { // U[lo, hi) from the top 53 bits
        return lo + (hi - lo) * static_cast<double>(engine_() >> 11) * 0x1.0p-53;
    }
    std::size_t below(std::size_t n) { // in [0, n); the modulo bias is < n / 2^64
        return static_cast<std::size_t>(engine_() % n);
    }

  private:
    std::mt19937_64 engine_;
};

// max_abs and max_rel of difference (see gradcheck.hpp); scale is S, the tensor's largest
// analytic entry, so the denominator max(|a|, |b|, S) is S unless b (a finite difference)
// is larger still.
class accumulator {
  public:
    explicit accumulator(double scale) : floor_(scale) {}
    void add(double a, double b) {
        const double diff = std::abs(a - b);
        const double den = std::max({std::abs(a), std::abs(b), floor_});
        if (!std::isfinite(diff)) { // a NaN or an infinity is never within tolerance
            d_.max_abs = d_.max_rel = std::numeric_limits<double>::infinity();
            return;
        }
        d_.max_abs = std::max(d_.max_abs, diff);
        if (den > 0)
            d_.max_rel = std::max(d_.max_rel, diff / den); // den == 0: a = b = 0
    }
    difference result() const { return d_; }

  private:
    double floor_;
    difference d_;
};

// Entries to check by finite differences, in order: the largest |g| first, then the
// others in a random order fixed by the seed (a lazy Fisher-Yates shuffle).
class sample_order {
  public:
    template <class T>
    sample_order(const xt::xtensor<T, 2>& g, std::uint64_t seed) : index_(g.size()), rng_(seed) {
        std::iota(index_.begin(), index_.end(), std::size_t{0});
        std::size_t top = 0;
        for (std::size_t i = 1; i < g.size(); ++i)
            if (std::abs(g.data()[i]) > std::abs(g.data()[top]))
                top = i;
        std::swap(index_[0], index_[top]);
        next_ = 0;
    }
    bool done() const { return next_ == index_.size(); }
    std::size_t next() {
        if (next_ > 0)
            std::swap(index_[next_], index_[next_ + rng_.below(index_.size() - next_)]);
        return index_[next_++];
    }

  private:
    std::vector<std::size_t> index_;
    random_source rng_;
    std::size_t next_;
};

template <class T>
double largest(const xt::xtensor<T, 2>& a) {
    double s = 0;
    for (auto v : a)
        s = std::max(s, std::abs(double(v)));
    return s;
}

// options::perturb: adds amount · S to entry (0, 0) of g (S: g's largest entry), so that
// a test can see the checker fail.
template <class T>
void perturb(xt::xtensor<T, 2>& g, double amount) {
    if (amount != 0 && g.size() > 0)
        g.data()[0] += static_cast<T>(amount * std::max(largest(g), 1e-300));
}

// One parameter tensor, typegrad's gradient a against the manual b (if there is one:
// b may be null) on every entry, and both against finite differences on up to `want`
// entries taken in sample_order(a, seed). fd(i, d) sets d to the difference quotient at
// entry i, or returns false when entry i cannot be checked (its stencil crosses a kink):
// that entry is counted as skipped and the next one in the order is taken instead.
template <class T, class Fd>
parameter_report compare_tensor(std::string name, const xt::xtensor<T, 2>& a, const xt::xtensor<T, 2>* b,
                                std::size_t want, std::uint64_t seed, Fd&& fd) {
    parameter_report pr;
    pr.name = std::move(name);
    pr.rows = a.shape(0);
    pr.cols = a.shape(1);
    const double scale = b ? std::max(largest(a), largest(*b)) : largest(a);
    accumulator tg_man(scale), tg_fd(scale), man_fd(scale);
    if (b)
        for (std::size_t i = 0; i < a.size(); ++i)
            tg_man.add(double(a.data()[i]), double(b->data()[i]));
    want = want == 0 ? a.size() : std::min(want, a.size());
    sample_order order(a, seed);
    while (pr.fd_checked < want && !order.done()) {
        const std::size_t i = order.next();
        double d = 0;
        if (!fd(i, d)) {
            ++pr.fd_skipped;
            continue;
        }
        tg_fd.add(double(a.data()[i]), d);
        if (b)
            man_fd.add(double(b->data()[i]), d);
        ++pr.fd_checked;
    }
    pr.typegrad_vs_manual = tg_man.result();
    pr.typegrad_vs_fd = tg_fd.result();
    pr.manual_vs_fd = man_fd.result();
    return pr;
}

} // namespace typegrad::gradcheck::detail
