// Two moons, as sbibm/tasks/two_moons/task.py (simulator and _map_fun).
#include "simulators/two_moons.h"

#include <cmath>

namespace sbi::simulators {

Eigen::Vector2d TwoMoons::shift(const Eigen::Ref<const Eigen::VectorXd>& theta) {
  // sbibm: z = R(-π/4) θ, shift = (-|z0|, z1), with cos(-π/4) = 1/√2, sin(-π/4) = -1/√2.
  const double inv_sqrt2 = M_SQRT1_2;
  return {-std::abs(theta[0] + theta[1]) * inv_sqrt2, (theta[1] - theta[0]) * inv_sqrt2};
}

void TwoMoons::simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                        Eigen::Ref<Eigen::VectorXd> x) const {
  check_simulate_args(*this, theta, rng, x, "TwoMoons::simulate");
  const double a = rng->uniform(-M_PI / 2, M_PI / 2);  // drawn first, as in sbibm
  const double r = kRadiusMean + kRadiusStd * rng->normal();
  const Eigen::Vector2d s = shift(theta);
  x[0] = r * std::cos(a) + kBaseOffset + s[0];
  x[1] = r * std::sin(a) + s[1];
}

Task make_two_moons_task() {
  return {std::make_unique<TwoMoons>(),
          core::Prior::box_uniform(Eigen::Vector2d(-1, -1), Eigen::Vector2d(1, 1))};
}

}  // namespace sbi::simulators
