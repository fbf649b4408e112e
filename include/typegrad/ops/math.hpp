// SPDX-License-Identifier: MIT
// The maths functions elementwise rules call: math::exp(a) and so on. On a float or
// double they are the std:: functions, the scalar reference. The executor's SIMD
// kernels call the same rules on xsimd batches; exec/simd_math.hpp supplies the
// batch versions (a specialisation of `functions`), so ops need not include xsimd.
#pragma once

#include <cmath>
#include <type_traits>

namespace typegrad::math {

// Scalar functions; specialised for SIMD batches by exec/simd_math.hpp.
template <class T>
struct functions {
    static_assert(std::is_floating_point_v<T>, "typegrad: math functions take float, double or a SIMD batch");
    static T exp(T a) { return std::exp(a); }
    static T log(T a) { return std::log(a); }
    static T log1p(T a) { return std::log1p(a); }
    static T tanh(T a) { return std::tanh(a); }
    static T sqrt(T a) { return std::sqrt(a); }
    static T abs(T a) { return std::abs(a); }
    // c ? a : b
    static T select(bool c, T a, T b) { return c ? a : b; }
};

template <class T>
T exp(T a) { return functions<T>::exp(a); }
template <class T>
T log(T a) { return functions<T>::log(a); }
template <class T>
T log1p(T a) { return functions<T>::log1p(a); }
template <class T>
T tanh(T a) { return functions<T>::tanh(a); }
template <class T>
T sqrt(T a) { return functions<T>::sqrt(a); }
template <class T>
T abs(T a) { return functions<T>::abs(a); }
// c ? a : b; for batches c is a lane mask (a comparison of batches).
template <class T, class C>
T select(const C& c, T a, T b) { return functions<T>::select(c, a, b); }

} // namespace typegrad::math
