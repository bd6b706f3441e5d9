#include "nn/gradient_check.h"

#include <algorithm>
#include <cmath>

namespace sbi::nn {

Vector finite_difference_gradient(const std::function<double(const Vector&)>& f, const Vector& x,
                                  double step_scale) {
  Vector grad(x.size());
  Vector probe = x;
  // f'(x) ~ [45 (f(x+h) - f(x-h)) - 9 (f(x+2h) - f(x-2h)) + (f(x+3h) - f(x-3h))] / (60 h)
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double h = step_scale * std::max(1.0, std::abs(x[i]));
    auto at = [&](double offset) {
      probe[i] = x[i] + offset;
      const double v = f(probe);
      probe[i] = x[i];
      return v;
    };
    grad[i] = (45.0 * (at(h) - at(-h)) - 9.0 * (at(2 * h) - at(-2 * h)) + (at(3 * h) - at(-3 * h))) /
              (60.0 * h);
  }
  return grad;
}

GradientCheckResult check_gradient(const std::function<double(const Vector&)>& f, const Vector& x,
                                   const Vector& analytic, double tolerance, double step_scale,
                                   double abs_floor) {
  GradientCheckResult r;
  r.analytic = analytic;
  r.numeric = finite_difference_gradient(f, x, step_scale);
  if (analytic.size() != x.size()) {
    r.message = "analytic gradient has " + std::to_string(analytic.size()) + " entries, expected " +
                std::to_string(x.size());
    return r;
  }
  for (Eigen::Index i = 0; i < x.size(); ++i) {
    const double abs_err = std::abs(analytic[i] - r.numeric[i]);
    const double scale = std::max({std::abs(analytic[i]), std::abs(r.numeric[i]), abs_floor});
    r.max_abs_error = std::max(r.max_abs_error, abs_err);
    if (abs_err / scale > r.max_rel_error) {
      r.max_rel_error = abs_err / scale;
      r.worst_index = i;
    }
  }
  r.ok = r.max_rel_error <= tolerance;
  if (!r.ok)
    r.message = "entry " + std::to_string(r.worst_index) + ": analytic " +
                std::to_string(analytic[r.worst_index]) + " vs finite difference " +
                std::to_string(r.numeric[r.worst_index]) + " (relative error " +
                std::to_string(r.max_rel_error) + ")";
  return r;
}

}  // namespace sbi::nn
