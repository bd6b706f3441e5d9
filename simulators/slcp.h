// SLCP, "simple likelihood, complex posterior" (sbibm task "slcp"; Papamakarios et al. 2019,
// Lueckmann et al. 2021, sbibm/tasks/slcp/task.py). θ ∈ R⁵, prior U(-3, 3)⁵. x ∈ R⁸ holds four
// i.i.d. draws x_k ~ N(m, S), stored as (x_1,0, x_1,1, x_2,0, ..., x_4,1), with
//   m = (θ0, θ1),  s0 = θ2²,  s1 = θ3²,  ρ = tanh(θ4),
//   S = [[s0² + ε, ρ s0 s1], [ρ s0 s1, s1² + ε]],  ε = 1e-6 (sbibm's jitter to keep S PD).
#pragma once

#include "simulators/simulator.h"

namespace sbi::simulators {

class Slcp final : public Simulator {
 public:
  static constexpr int kNumDraws = 4;
  static constexpr double kJitter = 1e-6;  // ε added to the diagonal of S, as in sbibm

  std::string name() const override { return "slcp"; }
  int theta_dim() const override { return 5; }
  int x_dim() const override { return 2 * kNumDraws; }
  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override;

  // The covariance S of each draw (formula above).
  static Eigen::Matrix2d covariance(const Eigen::Ref<const Eigen::VectorXd>& theta);
};

// The task: Slcp with prior U(-3, 3)⁵.
Task make_slcp_task();

}  // namespace sbi::simulators
