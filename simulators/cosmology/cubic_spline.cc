#include "simulators/cosmology/cubic_spline.h"

#include <cmath>

#include "core/error.h"

namespace sbi::simulators::cosmology {

UniformCubicSpline::UniformCubicSpline(double x0, double h, std::vector<double> values)
    : x0_(x0), h_(h), y_(std::move(values)) {
  const int n = static_cast<int>(y_.size());
  core::check(n >= 5, "UniformCubicSpline: needs at least 5 values, got " + std::to_string(n));
  core::check(std::isfinite(h) && h > 0, "UniformCubicSpline: spacing h must be finite and > 0");
  const double s0 = (-25 * y_[0] + 48 * y_[1] - 36 * y_[2] + 16 * y_[3] - 3 * y_[4]) / (12 * h);
  const double s1 = (25 * y_[n - 1] - 48 * y_[n - 2] + 36 * y_[n - 3] - 16 * y_[n - 4] +
                     3 * y_[n - 5]) / (12 * h);
  // Tridiagonal system for the second derivatives M (Thomas algorithm):
  //   2 M0 + M1 = 6/h ((y1 - y0)/h - s0),  M_{i-1} + 4 M_i + M_{i+1} = 6 Δ²y_i / h²,
  //   M_{n-2} + 2 M_{n-1} = 6/h (s1 - (y_{n-1} - y_{n-2})/h).
  std::vector<double> diag(n, 4.0), rhs(n);
  diag[0] = diag[n - 1] = 2.0;
  rhs[0] = 6 / h * ((y_[1] - y_[0]) / h - s0);
  rhs[n - 1] = 6 / h * (s1 - (y_[n - 1] - y_[n - 2]) / h);
  for (int i = 1; i < n - 1; ++i) rhs[i] = 6 * (y_[i + 1] - 2 * y_[i] + y_[i - 1]) / (h * h);
  for (int i = 1; i < n; ++i) {  // off-diagonals are all 1
    const double w = 1.0 / diag[i - 1];
    diag[i] -= w;
    rhs[i] -= w * rhs[i - 1];
  }
  m_.assign(n, 0.0);
  m_[n - 1] = rhs[n - 1] / diag[n - 1];
  for (int i = n - 2; i >= 0; --i) m_[i] = (rhs[i] - m_[i + 1]) / diag[i];
}

double UniformCubicSpline::operator()(double x) const {
  const int last = static_cast<int>(y_.size()) - 1;
  int i = static_cast<int>(std::floor((x - x0_) / h_));
  if (i < 0) i = 0;
  if (i > last - 1) i = last - 1;
  const double b = (x - (x0_ + i * h_)) / h_, a = 1 - b;
  return a * y_[i] + b * y_[i + 1] +
         ((a * a * a - a) * m_[i] + (b * b * b - b) * m_[i + 1]) * h_ * h_ / 6;
}

}  // namespace sbi::simulators::cosmology
