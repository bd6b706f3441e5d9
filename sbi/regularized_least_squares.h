// The classical baseline of a linear inverse problem y = A x + n, n ~ N(0, diag σ²): Tikhonov-
// regularised least squares,
//     x_λ = argmin_x Σ_p ((y_p - (A x)_p) / σ_p)² + λ ||x||² = (A^T W A + λ I)^{-1} A^T W y,
// W = diag(1/σ²), with λ chosen by Morozov's discrepancy principle: the smallest fit the noise
// allows, χ²(x_λ) = m (the number of observed values), found by bisection on log λ (χ²(x_λ)
// increases with λ) through the eigendecomposition A^T W A = V diag(h) V^T, once (d³).
// When even λ -> 0 leaves χ² > m the data cannot be fitted to the noise and λ is the smallest
// tried (1e-12 max h); when x = 0 already gives χ² <= m, λ is the largest (1e12 max h).
#pragma once

#include "diffusion/inverse_problem.h"

namespace sbi {

struct RegularizedLeastSquares {
  Eigen::VectorXd solution;  // x_λ
  double lambda = 0;
  double chi2 = 0;               // Σ_p ((y_p - (A x_λ)_p) / σ_p)²
  bool discrepancy_met = false;  // |χ² / m - 1| <= 1e-6 (false at either end above)
};

// lambda >= 0 fixes λ; lambda < 0 chooses it by the discrepancy principle.
RegularizedLeastSquares regularized_least_squares(const diffusion::LinearObservation& observation,
                                                  double lambda = -1);

}  // namespace sbi
