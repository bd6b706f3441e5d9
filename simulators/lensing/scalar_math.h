// The scalar functions of the lens math that is templated on the scalar type T (sie.h,
// external_shear.h, lens_model.h, sersic.h, ray_tracing.h): T = double for the simulator, or a
// forward-mode automatic-differentiation scalar for the lens fit (sbi/lens_fit_model.h uses
// ceres::Jet<double, 12>). One copy of each formula serves both.
//
// For double, exp, exp2, log, atan, atanh and rsqrt are vector_math.h's vectorisable kernels, and
// sqrt, cos and sin the C library's. For another T, the value is computed by exactly the same
// double function and the derivatives are carried by the chain rule,
//   f(x) = f(x0) + f'(x0) (x - x0),   x0 = the value of x,
// which is exact for first derivatives (all that forward mode carries). The value part then
// follows the double computation operation for operation; it can differ from it in the last
// bits only where the compiler fuses a * b + c into one rounding differently in the two
// instantiations (GCC's default -ffp-contract=fast for C++ on FMA hardware). An AD scalar T
// must be constructible from a double, support + - * / with T and double, and expose its
// value as `x.a` (ceres::Jet does).
#pragma once

#include <cmath>

#include "simulators/lensing/vector_math.h"

namespace sbi::simulators::lensing::smath {

inline double value_of(double x) { return x; }
template <class T>
double value_of(const T& x) {
  return x.a;
}

// f(x) from f(x0) and f'(x0), x0 = value_of(x), as above. df0 must be finite.
template <class T>
T chain(const T& x, double f0, double df0) {
  return T(f0) + df0 * (x - T(value_of(x)));
}

// a / b. For an AD scalar the value is a0 / b0 exactly (ceres::Jet's own quotient multiplies
// by 1 / b0, which may differ in the last bit), the derivative (da - (a0/b0) db) / b0.
inline double divide(double a, double b) { return a / b; }
template <class T>
T divide(const T& a, const T& b) {
  const double a0 = value_of(a), b0 = value_of(b), f = a0 / b0;
  return T(f) + (a - T(a0)) / b0 - (f / b0) * (b - T(b0));
}

inline double exp(double x) { return vmath::exp(x); }
template <class T>
T exp(const T& x) {
  const double f = vmath::exp(value_of(x));
  return chain(x, f, f);
}

inline double exp2(double x) { return vmath::exp2(x); }
template <class T>
T exp2(const T& x) {
  const double f = vmath::exp2(value_of(x));
  return chain(x, f, f * 0.69314718055994530942);  // d/dx 2^x = 2^x ln 2
}

// ln x; at x <= 0 (where vmath::log returns a finite stand-in that callers select away) the
// derivative is taken as 0 rather than infinite, so no NaN reaches the derivatives.
inline double log(double x) { return vmath::log(x); }
template <class T>
T log(const T& x) {
  const double v = value_of(x);
  return chain(x, vmath::log(v), v > 0 ? 1 / v : 0.0);
}

inline double atan(double x) { return vmath::atan(x); }
template <class T>
T atan(const T& x) {
  const double v = value_of(x);
  return chain(x, vmath::atan(v), 1 / (1 + v * v));
}

// For |x| < 1.
inline double atanh(double x) { return vmath::atanh(x); }
template <class T>
T atanh(const T& x) {
  const double v = value_of(x);
  return chain(x, vmath::atanh(v), 1 / ((1 - v) * (1 + v)));
}

// 1/sqrt(x) for x >= 0; d/dx = -x^(-3/2)/2 = -rsqrt(x)³/2, taken as 0 at x = 0 (the lens
// centre, where vmath::rsqrt is a finite stand-in that the callers multiply by 0).
inline double rsqrt(double x) { return vmath::rsqrt(x); }
template <class T>
T rsqrt(const T& x) {
  const double v = value_of(x), r = vmath::rsqrt(v);
  return chain(x, r, v > 0 ? -0.5 * r * r * r : 0.0);
}

inline double sqrt(double x) { return std::sqrt(x); }
template <class T>
T sqrt(const T& x) {
  const double v = value_of(x), r = std::sqrt(v);
  return chain(x, r, 0.5 / r);  // x > 0 only: the derivative is infinite at 0
}

inline double cos(double x) { return std::cos(x); }
template <class T>
T cos(const T& x) {
  const double v = value_of(x);
  return chain(x, std::cos(v), -std::sin(v));
}

inline double sin(double x) { return std::sin(x); }
template <class T>
T sin(const T& x) {
  const double v = value_of(x);
  return chain(x, std::sin(v), std::cos(v));
}

}  // namespace sbi::simulators::lensing::smath
