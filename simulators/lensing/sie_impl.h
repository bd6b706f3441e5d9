// Member definitions of SieT (sie.h), for the files that compile it for a scalar type: sie.cc
// (double) and sbi/lens_fit_model.cc (ceres::Jet).
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <type_traits>

#include "core/error.h"
#include "simulators/lensing/detail/kernels_avx512.h"
#include "simulators/lensing/scalar_math.h"
#include "simulators/lensing/sie.h"

namespace sbi::simulators::lensing {
namespace sie_detail {

constexpr double kMinAxisRatio = 1e-6;  // below ~1e-8, ε rounds to 1 and atanh(ε) diverges
constexpr double kSeriesEps2 = 1e-4;    // ε² below which the Taylor series replaces atan/atanh

inline std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace sie_detail

template <class T>
SieT<T>::SieT(const T& theta_e, const T& q, const T& phi, double center_x, double center_y)
    : theta_e_(theta_e), q_(q), phi_(phi), center_x_(center_x), center_y_(center_y) {
  using sie_detail::number;
  const double te = smath::value_of(theta_e), qv = smath::value_of(q),
               pv = smath::value_of(phi);
  core::check(std::isfinite(te) && te >= 0,
              "Sie: theta_E = " + number(te) + " arcsec, must be finite and >= 0");
  core::check(std::isfinite(qv) && qv >= sie_detail::kMinAxisRatio && qv <= 1,
              "Sie: q = " + number(qv) + ", the axis ratio must be in [1e-6, 1]");
  core::check(std::isfinite(pv), "Sie: phi = " + number(pv) + ", must be finite");
  core::check(
      std::isfinite(center_x) && std::isfinite(center_y),
      "Sie: the centre (" + number(center_x) + ", " + number(center_y) + ") must be finite");
  cos_ = smath::cos(phi);
  sin_ = smath::sin(phi);
  eps2_ = (1.0 - q) * (1.0 + q);
  series_ = smath::value_of(eps2_) < sie_detail::kSeriesEps2;
  if (series_) {
    eps_ = T(0.0);
    scale_ = theta_e * smath::sqrt(q);
  } else {
    eps_ = smath::sqrt(eps2_);
    scale_ = smath::divide(theta_e * smath::sqrt(q), eps_);
  }
}

template <class T>
typename SieT<T>::Vector2 SieT<T>::to_lens_frame(double x, double y) const {
  const double dx = x - center_x_, dy = y - center_y_;
  return {cos_ * dx + sin_ * dy, -sin_ * dx + cos_ * dy};
}

template <class T>
T SieT<T>::convergence(double x, double y) const {
  const Vector2 p = to_lens_frame(x, y);
  return theta_e_ / (2.0 * smath::sqrt(q_ * p.x() * p.x() + p.y() * p.y() / q_));
}

namespace sie_detail {

// SieT::add_deflection's loops with its constants: k = θ_E sqrt(q)/ε (or θ_E sqrt(q) with the
// series), ε, ε², q², cos φ, sin φ and the centre. One definition serves the portable build
// and the AVX-512 one (detail/kernels_avx512.h), which inlines it into a function compiled
// for that instruction set.
template <class T>
struct DeflectionKernel {
  T c, s, q2, k, eps, e2;
  double cx, cy;
  bool series;

  void operator()(int n, const double* x, const double* y, T* ax, T* ay) const {
    // Local copies: through `this`, the stores to ax and ay could alias the constants, and
    // GCC would leave the last loop scalar.
    const T c = this->c, s = this->s, q2 = this->q2, k = this->k, eps = this->eps, e2 = this->e2;
    const double cx = this->cx, cy = this->cy;
    // Blocks of kBlock rays, one function per pass (loop fission): fused in one loop, the
    // latencies of rsqrt, atan and atanh add up and the vectorised loop runs ~2x slower.
    constexpr int kBlock = 512;
    alignas(64) T t[kBlock], w[kBlock];
    for (int i0 = 0; i0 < n; i0 += kBlock) {
      const int m = std::min(kBlock, n - i0);
      const double *xb = x + i0, *yb = y + i0;
      // t = x'/ψ, w = y'/ψ; rsqrt(0) is finite, so the centre (x' = y' = 0) gets α = 0.
#pragma omp simd
      for (int i = 0; i < m; ++i) {
        const double dx = xb[i] - cx, dy = yb[i] - cy;
        const T u = c * dx + s * dy, v = -s * dx + c * dy;
        const T inv = smath::rsqrt(q2 * u * u + v * v);
        t[i] = u * inv;
        w[i] = v * inv;
      }
      if (!series) {  // α' = θ_E sqrt(q)/ε (atan(ε t), atanh(ε w))
#pragma omp simd
        for (int i = 0; i < m; ++i) t[i] = smath::atan(eps * t[i]);
#pragma omp simd
        for (int i = 0; i < m; ++i) w[i] = smath::atanh(eps * w[i]);
      } else {  // α' = θ_E sqrt(q) (atan(ε t)/ε, atanh(ε w)/ε) by the series in ε² (sie.h)
#pragma omp simd
        for (int i = 0; i < m; ++i) {
          const T z = e2 * t[i] * t[i];
          t[i] = t[i] * (1.0 - z * (1.0 / 3 - z * (1.0 / 5 - z * (1.0 / 7))));
        }
#pragma omp simd
        for (int i = 0; i < m; ++i) {
          const T z = e2 * w[i] * w[i];
          w[i] = w[i] * (1.0 + z * (1.0 / 3 + z * (1.0 / 5 + z * (1.0 / 7))));
        }
      }
      T *axb = ax + i0, *ayb = ay + i0;
#pragma omp simd
      for (int i = 0; i < m; ++i) {
        axb[i] += k * (c * t[i] - s * w[i]);
        ayb[i] += k * (s * t[i] + c * w[i]);
      }
    }
  }
};

}  // namespace sie_detail

template <class T>
void SieT<T>::add_deflection(int n, const double* x, const double* y, T* ax, T* ay) const {
  const sie_detail::DeflectionKernel<T> kernel{
      cos_, sin_, q_ * q_, scale_, eps_, eps2_, center_x_, center_y_, series_};
  if constexpr (std::is_same_v<T, double>) {
    if (detail::wide_kernels_enabled()) return detail::avx512::add_deflection(kernel, n, x, y, ax, ay);
  }
  kernel(n, x, y, ax, ay);
}

template <class T>
typename SieT<T>::Vector2 SieT<T>::deflection(double x, double y) const {
  T ax(0.0), ay(0.0);
  add_deflection(1, &x, &y, &ax, &ay);
  return {ax, ay};
}

template <class T>
T SieT<T>::potential(double x, double y) const {
  const Vector2 p = to_lens_frame(x, y);
  const Vector2 a = deflection(x, y);
  // α in the lens frame is R(-φ) α; the dot product with (x', y') is frame independent.
  return p.x() * (cos_ * a.x() + sin_ * a.y()) + p.y() * (-sin_ * a.x() + cos_ * a.y());
}

template <class T>
typename SieT<T>::Matrix2 SieT<T>::hessian(double x, double y) const {
  const Vector2 p = to_lens_frame(x, y);
  const T u = p.x(), v = p.y();
  const T psi = smath::sqrt(q_ * q_ * u * u + v * v), r2 = u * u + v * v;
  const T f = theta_e_ * smath::sqrt(q_) / (psi * r2);
  Matrix2 lens_frame;
  lens_frame << f * v * v, -f * u * v, -f * u * v, f * u * u;
  Matrix2 rot;  // columns: the lens axes in the sky frame
  rot << cos_, -sin_, sin_, cos_;
  return rot * lens_frame * rot.transpose();
}

}  // namespace sbi::simulators::lensing
