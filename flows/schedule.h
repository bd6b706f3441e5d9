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
//   kSubVariancePreserving  the sub-VP SDE of Song et al. (2021, eq. 12), same T(s) and time map:
//                       α_t = e^{-T(s)/2},  β_t = 1 - e^{-T(s)}  (App. B: its kernel's std),
//                       below the VP's β at every t, hence the name.
//   kVarianceExploding  the VE SDE of Song et al. (2021, eq. 9) with geometric
//                       σ(s) = σ_min (σ_max / σ_min)^s on s = 1 - t (smooth at s = 0: no s_min):
//                         α_t = 1,  β_t = σ(1 - t).
//                       Its t = 0 end is N(x_1, σ_max^2): wide, not N(0, I).
//
// The SDE a path belongs to. Any Gaussian path is the marginal of the linear SDE, run from
// data (t = 1) to noise (t = 0), whose drift and squared diffusion per unit of t are
//   f_t = α'_t / α_t,   g_t^2 = 2 β_t (α'_t β_t / α_t - β'_t)
// (Song et al. 2021, App. B, eqs. 29 and 33 with ds = -dt; Kingma et al. 2021, eq. 28). The
// score ∇ log p_t(x) = -E[ε | x_t = x] / β_t turns them into the probability-flow velocity
//   v(t, x) = f_t x + ½ g_t^2 ∇ log p_t(x) = f_t x - (g_t^2 / (2 β_t)) ε̂(t, x),
// which is also the marginal flow-matching velocity E[α' x_1 + β' ε | x_t = x], and the
// reverse-time SDE that samples forward in t:  dx = [f_t x + g_t^2 ∇ log p_t] dt + g_t dW.
// The log signal-to-noise ratio λ_t = 2 log(α_t / β_t) grows with t and dλ/dt = g_t^2 / β_t^2,
// the likelihood weight of denoising score matching (Song et al. 2021b, "Maximum likelihood
// training of score-based diffusion models", Thm. 1): drawing λ uniformly is importance
// sampling of that weight.
#pragma once

#include <string>
#include <vector>

#include "core/hyperparameters.h"

namespace sbi::flows {

enum class ScheduleKind {
  kOptimalTransport,
  kVariancePreserving,
  kSubVariancePreserving,
  kVarianceExploding
};

// "ot", "vp", "subvp", "ve" <-> enum; parse throws core::Error on an unknown name.
ScheduleKind parse_schedule_kind(const std::string& name);
std::string schedule_kind_name(ScheduleKind kind);
std::vector<std::string> schedule_kind_names();  // in the order of the enum

struct ScheduleOptions {
  ScheduleKind kind = ScheduleKind::kOptimalTransport;
  double sigma_min = 1e-3;    // OT: β_1, the width of the data end of the path
  double vp_beta_min = 0.1;   // VP: β(0), Song et al. 2021
  double vp_beta_max = 20.0;  // VP: β(1), Song et al. 2021
  double vp_s_min = 1e-5;     // VP: SDE time reached at t = 1 (Song et al. 2021's ε)
  // VE: σ(s) from ve_sigma_min (the data end) to ve_sigma_max (the noise end). Song et al.
  // (2020, Technique 1) take σ_max near the largest distance between data points: for
  // z-scored data in D <= 20 dimensions that is below 20.
  double ve_sigma_min = 0.01;
  double ve_sigma_max = 20.0;

  bool is_valid(std::string* error) const;
  // True for the paths of a diffusion SDE (vp, subvp, ve): α_t > 0 everywhere, so the
  // drift f_t and the score parameterisation are finite on all of [0, 1].
  bool is_sde() const { return kind != ScheduleKind::kOptimalTransport; }
};

// The options as named numbers for a model file, and back; a file written before a key
// existed reads the key's default.
void set_schedule_hyperparameters(const ScheduleOptions& o, core::Hyperparameters* h);
ScheduleOptions schedule_from_hyperparameters(const core::Hyperparameters& h);

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

  // The SDE of the path at t (see above): drift f_t and squared diffusion g_t^2 per unit t.
  // Needs is_sde().
  struct Sde {
    double drift = 0.0, diffusion_sq = 0.0;
  };
  Sde sde(double t) const;

  // The standard deviation of the t = 0 marginal for data of unit variance,
  // sqrt(α_0^2 + β_0^2): the base distribution N(0, base_std^2 I) that samples start from
  // and log-densities end on (1 for ot and vp, within 1e-4 of 1 for subvp,
  // sqrt(σ_max^2 + 1) for ve).
  double base_std() const;

  // λ_t = 2 log(α_t / β_t), and its inverse on [λ_0, λ_1] by bisection (λ is increasing).
  double log_snr(double t) const;
  double time_of_log_snr(double lambda) const;

 private:
  ScheduleOptions options_;
};

}  // namespace sbi::flows
