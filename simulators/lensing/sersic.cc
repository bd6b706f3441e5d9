#include "simulators/lensing/sersic.h"

#include <algorithm>
#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"
#include "simulators/lensing/vector_math.h"

namespace sbi::simulators::lensing {
namespace {

constexpr double kMaxIndex = 20;  // b_n ~ 2n: e^(b_n) stays far from overflow

void check_parameter(bool ok, const char* name, double value, const char* rule) {
  if (ok) return;
  char buf[160];
  std::snprintf(buf, sizeof buf, "Sersic: %s = %.17g, must be %s", name, value, rule);
  throw core::Error(buf);
}

}  // namespace

double sersic_b(double n) {
  check_parameter(std::isfinite(n) && n > 0 && n <= kMaxIndex, "n", n, "in (0, 20]");
  return boost::math::gamma_p_inv(2 * n, 0.5);
}

Sersic::Sersic(double amplitude, double r_eff, double n, double q, double phi, double center_x,
               double center_y)
    : amplitude_(amplitude),
      r_eff_(r_eff),
      n_(n),
      q_(q),
      phi_(phi),
      center_x_(center_x),
      center_y_(center_y) {
  check_parameter(std::isfinite(amplitude) && amplitude >= 0, "amplitude", amplitude,
                  "finite and >= 0");
  check_parameter(std::isfinite(r_eff) && r_eff > 0, "r_eff", r_eff, "finite and > 0 arcsec");
  check_parameter(std::isfinite(q) && q > 0 && q <= 1, "q", q, "in (0, 1]");
  check_parameter(std::isfinite(phi), "phi", phi, "finite");
  check_parameter(std::isfinite(center_x), "center_x", center_x, "finite");
  check_parameter(std::isfinite(center_y), "center_y", center_y, "finite");
  b_ = sersic_b(n);  // checks n
  cos_ = std::cos(phi);
  sin_ = std::sin(phi);
}

double Sersic::total_flux() const {
  // e^b b^(-2n) Γ(2n) in logarithms (each factor alone overflows first for large n), with
  // Boost's lgamma: std::lgamma writes the global signgam, a data race between threads.
  return 2 * M_PI * n_ * q_ * r_eff_ * r_eff_ * amplitude_ *
         std::exp(b_ - 2 * n_ * std::log(b_) + boost::math::lgamma(2 * n_));
}

void Sersic::brightness(int count, const double* x, const double* y, double* out) const {
  const double c = cos_, s = sin_, cx = center_x_, cy = center_y_, b = b_, amp = amplitude_;
  const double inv_q2 = 1 / (q_ * q_), inv_re2 = 1 / (r_eff_ * r_eff_), inv_2n = 0.5 / n_;
  // Blocks, one function per pass (loop fission): fused, the latencies of log, exp and exp
  // add up and the vectorised loop runs ~2x slower.
  constexpr int kBlock = 512;
  alignas(64) double r2[kBlock], e[kBlock];
  for (int i0 = 0; i0 < count; i0 += kBlock) {
    const int m = std::min(kBlock, count - i0);
    const double *xb = x + i0, *yb = y + i0;
    double* ob = out + i0;
#pragma omp simd
    for (int i = 0; i < m; ++i) {
      const double dx = xb[i] - cx, dy = yb[i] - cy;
      const double u = c * dx + s * dy, v = -s * dx + c * dy;
      r2[i] = (u * u + v * v * inv_q2) * inv_re2;  // (R / R_e)²
    }
#pragma omp simd
    for (int i = 0; i < m; ++i) e[i] = vmath::log(r2[i]) * inv_2n;
#pragma omp simd
    for (int i = 0; i < m; ++i) {
      const double p = vmath::exp(e[i]);  // (R / R_e)^(1/n); log(0) is finite: select 0 there
      e[i] = b * (1 - (r2[i] > 0 ? p : 0.0));
    }
#pragma omp simd
    for (int i = 0; i < m; ++i) ob[i] = amp * vmath::exp(e[i]);
  }
}

}  // namespace sbi::simulators::lensing
