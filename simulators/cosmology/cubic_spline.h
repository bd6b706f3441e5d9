// Cubic spline interpolation of y(x) sampled on a uniform grid x_i = x0 + i h.
//
// Clamped end conditions with end slopes from fourth-order one-sided differences
// f'(x0) ≈ (-25 f0 + 48 f1 - 36 f2 + 16 f3 - 3 f4) / (12 h), so the interpolant is O(h⁴)
// accurate up to the ends (a natural spline would be O(h²) there). Outside [x0, x_last] the
// end cubic is continued (callers keep to the grid).
#pragma once

#include <vector>

namespace sbi::simulators::cosmology {

class UniformCubicSpline {
 public:
  UniformCubicSpline() = default;
  // At least 5 values, h > 0. Throws core::Error otherwise.
  UniformCubicSpline(double x0, double h, std::vector<double> values);

  double operator()(double x) const;
  double x_min() const { return x0_; }
  double x_max() const { return x0_ + h_ * (static_cast<double>(y_.size()) - 1); }

 private:
  double x0_ = 0, h_ = 1;
  std::vector<double> y_, m_;  // values and second derivatives at the nodes
};

}  // namespace sbi::simulators::cosmology
