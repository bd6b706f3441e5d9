// Two moons (sbibm task "two_moons"; Lueckmann et al. 2021, sbibm/tasks/two_moons/task.py).
// θ ∈ R², prior U(-1, 1)². With a ~ U(-π/2, π/2), r ~ N(0.1, 0.01²),
//   p = (r cos a + 0.25, r sin a),
//   x = p + (-|θ0 + θ1| / √2, (-θ0 + θ1) / √2)      (a rotation of θ by -π/4),
// a crescent whose position depends on θ only through |θ0 + θ1| and θ1 - θ0, which gives the
// bimodal, crescent-shaped posterior.
#pragma once

#include "simulators/simulator.h"

namespace sbi::simulators {

class TwoMoons final : public Simulator {
 public:
  static constexpr double kRadiusMean = 0.1;   // r_loc
  static constexpr double kRadiusStd = 0.01;   // r_scale
  static constexpr double kBaseOffset = 0.25;  // base_offset

  std::string name() const override { return "two_moons"; }
  int theta_dim() const override { return 2; }
  int x_dim() const override { return 2; }
  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override;

  // The θ-dependent shift (-|θ0 + θ1| / √2, (-θ0 + θ1) / √2) added to p.
  static Eigen::Vector2d shift(const Eigen::Ref<const Eigen::VectorXd>& theta);
};

// The task: TwoMoons with prior U(-1, 1)².
Task make_two_moons_task();

}  // namespace sbi::simulators
