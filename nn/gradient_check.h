// Finite-difference gradient checking, as library code (after Ceres' GradientChecker),
// so every layer, flow and estimator is checked the same way.
#pragma once

#include <functional>
#include <string>

#include "nn/matrix.h"

namespace sbi::nn {

struct GradientCheckResult {
  double max_abs_error = 0.0;   // max_i |analytic_i - numeric_i|
  double max_rel_error = 0.0;   // max_i |a_i - n_i| / max(|a_i|, |n_i|, abs_floor)
  long worst_index = -1;
  Vector analytic, numeric;
  bool ok = false;              // max_rel_error <= tolerance
  std::string message;          // names the worst entry when not ok
};

// Compares `analytic` with the six-point central finite-difference gradient of f at x
// (error O(h^6), as Stan's finite_diff_gradient; step h = step_scale * max(1, |x_i|)).
// abs_floor keeps tiny gradients from inflating the relative error.
GradientCheckResult check_gradient(const std::function<double(const Vector&)>& f,
                                   const Vector& x, const Vector& analytic,
                                   double tolerance = 1e-6, double step_scale = 1e-3,
                                   double abs_floor = 1e-6);

// The six-point central difference gradient alone.
Vector finite_difference_gradient(const std::function<double(const Vector&)>& f, const Vector& x,
                                  double step_scale = 1e-3);

}  // namespace sbi::nn
