// SPDX-License-Identifier: MIT
// A counting global operator new, linked into the test binaries that measure
// allocations. It lives in its own translation unit so the compiler never sees a
// matching new/delete pair to second-guess.
#include <atomic>
#include <cstddef>
#include <cstdlib>
#include <new>

#include <support/allocation_counter.hpp>

// Every allocation in this test binary passes through here; the allocation test reads
// the counter around the calls it measures.

namespace {
std::atomic<long> count{0};

void *counted_alloc(std::size_t n, std::size_t align) {
    ++count;
    if (n == 0)
        n = 1;
    void *p = align <= alignof(std::max_align_t)
                  ? std::malloc(n)
                  : std::aligned_alloc(align, (n + align - 1) / align * align);
    if (p == nullptr)
        throw std::bad_alloc();
    return p;
}
} // namespace

void *operator new(std::size_t n) {
    return counted_alloc(n, 0);
}
void *operator new[](std::size_t n) {
    return counted_alloc(n, 0);
}
void *operator new(std::size_t n, std::align_val_t a) {
    return counted_alloc(n, std::size_t(a));
}
void *operator new[](std::size_t n, std::align_val_t a) {
    return counted_alloc(n, std::size_t(a));
}
void *operator new(std::size_t n, const std::nothrow_t &) noexcept {
    try {
        return counted_alloc(n, 0);
    } catch (...) {
        return nullptr;
    }
}
void *operator new[](std::size_t n, const std::nothrow_t &) noexcept {
    try {
        return counted_alloc(n, 0);
    } catch (...) {
        return nullptr;
    }
}
void operator delete(void *p) noexcept {
    std::free(p);
}
void operator delete[](void *p) noexcept {
    std::free(p);
}
void operator delete(void *p, std::size_t) noexcept {
    std::free(p);
}
void operator delete[](void *p, std::size_t) noexcept {
    std::free(p);
}
void operator delete(void *p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void *p, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete(void *p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}
void operator delete[](void *p, std::size_t, std::align_val_t) noexcept {
    std::free(p);
}

long typegrad::testing::allocations() { return count.load(); }
