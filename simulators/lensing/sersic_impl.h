// Member definitions of SersicT (sersic.h) and b_n for any scalar type, for the files that
// compile them for a scalar type: sersic.cc (double) and sbi/lens_fit_model.cc (ceres::Jet).
#pragma once

#include <algorithm>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <cstdio>
#include <type_traits>

#include "core/error.h"
#include "simulators/lensing/detail/kernels_avx512.h"
#include "simulators/lensing/scalar_math.h"
#include "simulators/lensing/sersic.h"

namespace sbi::simulators::lensing {
namespace sersic_detail {

inline void check_parameter(bool ok, const char* name, double value, const char* rule) {
  if (ok) return;
  char buf[160];
  std::snprintf(buf, sizeof buf, "Sersic: %s = %.17g, must be %s", name, value, rule);
  throw core::Error(buf);
}

}  // namespace sersic_detail

// b_n of an automatic-differentiation index: sersic_b's value, sersic_b_derivative's slope.
template <class T>
T sersic_b(const T& n) {
  const double v = smath::value_of(n);
  return smath::chain(n, sersic_b(v), sersic_b_derivative(v));
}

template <class T>
SersicT<T>::SersicT(const T& amplitude, const T& r_eff, const T& n, const T& q, const T& phi,
                    const T& center_x, const T& center_y)
    : amplitude_(amplitude),
      r_eff_(r_eff),
      n_(n),
      q_(q),
      phi_(phi),
      center_x_(center_x),
      center_y_(center_y) {
  using sersic_detail::check_parameter;
  using smath::value_of;
  const double a = value_of(amplitude), re = value_of(r_eff), qv = value_of(q),
               pv = value_of(phi), cx = value_of(center_x), cy = value_of(center_y);
  check_parameter(std::isfinite(a) && a >= 0, "amplitude", a, "finite and >= 0");
  check_parameter(std::isfinite(re) && re > 0, "r_eff", re, "finite and > 0 arcsec");
  check_parameter(std::isfinite(qv) && qv > 0 && qv <= 1, "q", qv, "in (0, 1]");
  check_parameter(std::isfinite(pv), "phi", pv, "finite");
  check_parameter(std::isfinite(cx), "center_x", cx, "finite");
  check_parameter(std::isfinite(cy), "center_y", cy, "finite");
  b_ = sersic_b(n);  // checks n
  cos_ = smath::cos(phi);
  sin_ = smath::sin(phi);
}

template <class T>
double SersicT<T>::total_flux() const {
  using smath::value_of;
  const double n = value_of(n_), q = value_of(q_), r_eff = value_of(r_eff_),
               amplitude = value_of(amplitude_), b = value_of(b_);
  // e^b b^(-2n) Γ(2n) in logarithms (each factor alone overflows first for large n), with
  // Boost's lgamma: std::lgamma writes the global signgam, a data race between threads.
  return 2 * M_PI * n * q * r_eff * r_eff * amplitude *
         std::exp(b - 2 * n * std::log(b) + boost::math::lgamma(2 * n));
}

namespace sersic_detail {

// SersicT::brightness's loops with its constants: cos φ, sin φ, the centre, b_n log2(e), the
// amplitude, 1/q², 1/R_e² and log2(e)/(2n). One definition serves the portable build and the
// AVX-512 one (detail/kernels_avx512.h), which inlines it into a function compiled for that
// instruction set.
template <class T>
struct BrightnessKernel {
  T c, s, cx, cy, b, amp, inv_q2, inv_re2, inv_2n;

  void operator()(int count, const T* x, const T* y, T* out) const {
    // Local copies: through `this`, the stores to out could alias the constants (see
    // sie_detail::DeflectionKernel).
    const T c = this->c, s = this->s, cx = this->cx, cy = this->cy, b = this->b, amp = this->amp,
            inv_q2 = this->inv_q2, inv_re2 = this->inv_re2, inv_2n = this->inv_2n;
    // Blocks, one function per pass (loop fission): fused, the latencies of log, exp2 and exp2
    // add up and the vectorised loop runs ~2x slower.
    constexpr int kBlock = 512;
    alignas(64) T r2[kBlock], e[kBlock];
    for (int i0 = 0; i0 < count; i0 += kBlock) {
      const int m = std::min(kBlock, count - i0);
      const T *xb = x + i0, *yb = y + i0;
      T* ob = out + i0;
#pragma omp simd
      for (int i = 0; i < m; ++i) {
        const T dx = xb[i] - cx, dy = yb[i] - cy;
        const T u = c * dx + s * dy, v = -s * dx + c * dy;
        r2[i] = (u * u + v * v * inv_q2) * inv_re2;  // (R / R_e)²
      }
#pragma omp simd
      for (int i = 0; i < m; ++i) e[i] = smath::log(r2[i]) * inv_2n;
#pragma omp simd
      for (int i = 0; i < m; ++i) {
        const T p = smath::exp2(e[i]);  // (R / R_e)^(1/n); log(0) is finite: select 0 there
        e[i] = b * (1.0 - (smath::value_of(r2[i]) > 0 ? p : T(0.0)));
      }
#pragma omp simd
      for (int i = 0; i < m; ++i) ob[i] = amp * smath::exp2(e[i]);
    }
  }
};

}  // namespace sersic_detail

template <class T>
void SersicT<T>::brightness(int count, const T* x, const T* y, T* out) const {
  // In base 2, whose exp2 is cheaper than exp (vector_math.h): with L = log2(e),
  //   (R / R_e)^(1/n) = 2^(ln((R / R_e)²) L / (2n)),   I = I_e 2^(b_n L (1 - (R / R_e)^(1/n))).
  constexpr double kLog2e = 1.44269504088896340736;
  const sersic_detail::BrightnessKernel<T> kernel{
      cos_, sin_, center_x_, center_y_, b_ * kLog2e, amplitude_, 1.0 / (q_ * q_),
      1.0 / (r_eff_ * r_eff_), (0.5 * kLog2e) / n_};
  if constexpr (std::is_same_v<T, double>) {
    if (detail::wide_kernels_enabled()) return detail::avx512::brightness(kernel, count, x, y, out);
  }
  kernel(count, x, y, out);
}

}  // namespace sbi::simulators::lensing
