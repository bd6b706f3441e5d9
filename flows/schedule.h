// Gaussian probability paths x_t = α_t x_1 + β_t ε, ε ~ N(0, I), in the toolkit's time
// convention (DESIGN.md): t in [0, 1], t = 0 the base noise, t = 1 the data.
//
// The conditional target velocity of flow matching is d x_t / dt = α'_t x_1 + β'_t ε
// (Lipman et al. 2023, Theorem 3, with μ_t = α_t x_1, σ_t = β_t), so a path is fully described
// by (α_t, β_t) and their time derivatives, which is what a Schedule returns.
//
//   kOptimalTransport   α_t = t, β_t = 1 - (1 - σ_min) t   (Lipman et al. 2023, Sec. 4.1, Example II)
//                       α_0 = 0, β_0 = 1, α_1 = 1, β_1 = σ_min.
//   kVariancePreserving the VP SDE of Song et al. (2021, eq. 11) with linear
//                       β(s) = β_min + s (β_max - β_min) on SDE time s in [0, 1] (s = 0 data),
//                       whose perturbation kernel is N(x_1 e^{-T(s)/2}, 1 - e^{-T(s)}) with
//                       T(s) = ∫_0^s β = β_min s + (β_max - β_min) s^2 / 2 (Song et al. 2021,
//                       App. B). Converted once, here, to t = 0 noise by s = 1 - (1 - s_min) t
//                       (Lipman et al. 2023, Sec. 4.1, Example I, make the same reversal with
//                       s_min = 0):
//                         α_t = e^{-T(s)/2},  β_t = sqrt(1 - e^{-T(s)}),  α_t^2 + β_t^2 = 1.
//                       Time stops at s_min > 0 (Song et al. use 1e-5) because β'_t ~ (1-t)^{-1/2}
//                       diverges at s = 0; with the defaults β_1 ≈ sqrt(β_min s_min) = 1e-3.
//                       α_0 = e^{-T(1)/2} ≈ 6.6e-3 is not exactly 0: the VP path starts at
//                       N(α_0 x_1, 1 - α_0^2), within 4.4e-5 of N(0, I) in variance.
#pragma once

#include <string>
#include <vector>

namespace sbi::flows {

enum class ScheduleKind { kOptimalTransport, kVariancePreserving };

// "ot", "vp" <-> enum; parse throws core::Error on an unknown name.
ScheduleKind parse_schedule_kind(const std::string& name);
std::string schedule_kind_name(ScheduleKind kind);
std::vector<std::string> schedule_kind_names();  // in the order of the enum

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kOptimalTransport;
  double sigma_min = 1e-3;    // OT: β_1, the width of the data end of the path
  double vp_beta_min = 0.1;   // VP: β(0), Song et al. 2021
  double vp_beta_max = 20.0;  // VP: β(1), Song et al. 2021
  double vp_s_min = 1e-5;     // VP: SDE time reached at t = 1 (Song et al. 2021's ε)

  bool is_valid(std::string* error) const;
};

// α_t, β_t and their derivatives d/dt at one time.
struct PathCoefficients {
  double alpha = 0.0, beta = 1.0, d_alpha = 0.0, d_beta = 0.0;
};

class Schedule {
 public:
  explicit Schedule(const ScheduleOptions& options = ScheduleOptions{});

  const ScheduleOptions& options() const { return options_; }

  // Coefficients at t in [0, 1] (not checked: the ODE solvers may step a rounding error
  // past the ends, and both formulas are smooth there).
  PathCoefficients at(double t) const;

 private:
  ScheduleOptions options_;
};

}  // namespace sbi::flows
