#include "simulators/lensing/sie.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "simulators/lensing/vector_math.h"

namespace sbi::simulators::lensing {
namespace {

constexpr double kMinAxisRatio = 1e-6;  // below ~1e-8, ε rounds to 1 and atanh(ε) diverges

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", v);
  return buf;
}

}  // namespace

Sie::Sie(double theta_e, double q, double phi, double center_x, double center_y)
    : theta_e_(theta_e), q_(q), phi_(phi), center_x_(center_x), center_y_(center_y) {
  core::check(std::isfinite(theta_e) && theta_e >= 0,
              "Sie: theta_E = " + number(theta_e) + " arcsec, must be finite and >= 0");
  core::check(std::isfinite(q) && q >= kMinAxisRatio && q <= 1,
              "Sie: q = " + number(q) + ", the axis ratio must be in [1e-6, 1]");
  core::check(std::isfinite(phi), "Sie: phi = " + number(phi) + ", must be finite");
  core::check(
      std::isfinite(center_x) && std::isfinite(center_y),
      "Sie: the centre (" + number(center_x) + ", " + number(center_y) + ") must be finite");
  cos_ = std::cos(phi);
  sin_ = std::sin(phi);
  eps_ = std::sqrt((1 - q) * (1 + q));  // 0 exactly when q = 1: the SIS branch
  scale_ = theta_e * std::sqrt(q) / (eps_ > 0 ? eps_ : 1);
}

Eigen::Vector2d Sie::to_lens_frame(double x, double y) const {
  const double dx = x - center_x_, dy = y - center_y_;
  return {cos_ * dx + sin_ * dy, -sin_ * dx + cos_ * dy};
}

double Sie::convergence(double x, double y) const {
  const Eigen::Vector2d p = to_lens_frame(x, y);
  return theta_e_ / (2 * std::sqrt(q_ * p.x() * p.x() + p.y() * p.y() / q_));
}

void Sie::add_deflection(int n, const double* x, const double* y, double* ax, double* ay) const {
  const double c = cos_, s = sin_, cx = center_x_, cy = center_y_, q2 = q_ * q_, k = scale_;
  const double eps = eps_;
  // Blocks of kBlock rays, one function per pass (loop fission): fused in one loop, the
  // latencies of rsqrt, atan and atanh add up and the vectorised loop runs ~2x slower.
  constexpr int kBlock = 512;
  alignas(64) double t[kBlock], w[kBlock];
  for (int i0 = 0; i0 < n; i0 += kBlock) {
    const int m = std::min(kBlock, n - i0);
    const double *xb = x + i0, *yb = y + i0;
    // t = x'/ψ, w = y'/ψ; rsqrt(0) is finite, so the centre (x' = y' = 0) gets α = 0.
#pragma omp simd
    for (int i = 0; i < m; ++i) {
      const double dx = xb[i] - cx, dy = yb[i] - cy;
      const double u = c * dx + s * dy, v = -s * dx + c * dy;
      const double inv = vmath::rsqrt(q2 * u * u + v * v);
      t[i] = u * inv;
      w[i] = v * inv;
    }
    if (eps > 0) {  // α' = θ_E sqrt(q)/ε (atan(ε t), atanh(ε w)); else the SIS, θ_E (t, w)
#pragma omp simd
      for (int i = 0; i < m; ++i) t[i] = vmath::atan(eps * t[i]);
#pragma omp simd
      for (int i = 0; i < m; ++i) w[i] = vmath::atanh(eps * w[i]);
    }
    double *axb = ax + i0, *ayb = ay + i0;
#pragma omp simd
    for (int i = 0; i < m; ++i) {
      axb[i] += k * (c * t[i] - s * w[i]);
      ayb[i] += k * (s * t[i] + c * w[i]);
    }
  }
}

Eigen::Vector2d Sie::deflection(double x, double y) const {
  double ax = 0, ay = 0;
  add_deflection(1, &x, &y, &ax, &ay);
  return {ax, ay};
}

double Sie::potential(double x, double y) const {
  const Eigen::Vector2d p = to_lens_frame(x, y);
  const Eigen::Vector2d a = deflection(x, y);
  // α in the lens frame is R(-φ) α; the dot product with (x', y') is frame independent.
  return p.x() * (cos_ * a.x() + sin_ * a.y()) + p.y() * (-sin_ * a.x() + cos_ * a.y());
}

Eigen::Matrix2d Sie::hessian(double x, double y) const {
  const Eigen::Vector2d p = to_lens_frame(x, y);
  const double u = p.x(), v = p.y();
  const double psi = std::sqrt(q_ * q_ * u * u + v * v), r2 = u * u + v * v;
  const double f = theta_e_ * std::sqrt(q_) / (psi * r2);
  Eigen::Matrix2d lens_frame;
  lens_frame << f * v * v, -f * u * v, -f * u * v, f * u * u;
  Eigen::Matrix2d rot;  // columns: the lens axes in the sky frame
  rot << cos_, -sin_, sin_, cos_;
  return rot * lens_frame * rot.transpose();
}

}  // namespace sbi::simulators::lensing
