// SLCP, as sbibm/tasks/slcp/task.py (without distractors). sbibm samples in float32; here
// everything is double.
#include "simulators/slcp.h"

#include <algorithm>
#include <cmath>

namespace sbi::simulators {

Eigen::Matrix2d Slcp::covariance(const Eigen::Ref<const Eigen::VectorXd>& theta) {
  const double s0 = theta[2] * theta[2];
  const double s1 = theta[3] * theta[3];
  const double rho = std::tanh(theta[4]);
  Eigen::Matrix2d cov;
  cov << s0 * s0 + kJitter, rho * s0 * s1,  //
      rho * s0 * s1, s1 * s1 + kJitter;
  return cov;
}

void Slcp::simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                    Eigen::Ref<Eigen::VectorXd> x) const {
  check_simulate_args(*this, theta, rng, x, "Slcp::simulate");
  const Eigen::Matrix2d cov = covariance(theta);
  // 2x2 Cholesky S = L Lᵀ; S11 - L10² >= ε > 0, the max() only guards rounding.
  const double l00 = std::sqrt(cov(0, 0));
  const double l10 = cov(1, 0) / l00;
  const double l11 = std::sqrt(std::max(cov(1, 1) - l10 * l10, 0.0));
  for (int k = 0; k < kNumDraws; ++k) {
    const double z0 = rng->normal();
    const double z1 = rng->normal();
    x[2 * k] = theta[0] + l00 * z0;
    x[2 * k + 1] = theta[1] + l10 * z0 + l11 * z1;
  }
}

Task make_slcp_task() {
  return {std::make_unique<Slcp>(), core::Prior::box_uniform(Eigen::VectorXd::Constant(5, -3),
                                                             Eigen::VectorXd::Constant(5, 3))};
}

}  // namespace sbi::simulators
