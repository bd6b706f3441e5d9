// Posterior predictive checks (Gelman, Meng & Stern 1996, "Posterior predictive assessment
// of model fitness via realized discrepancies", Stat. Sinica 6; Gelman et al., BDA3
// sec. 6.3): simulate replicated data x_rep_j ~ p(x | theta_j) at posterior draws
// theta_j ~ q(theta | x_obs) and compare with the observation, per data dimension d:
//   p_upper_d = (#{ j : x_rep_jd > x_obs_d } + #{ j : x_rep_jd = x_obs_d } / 2) / M,
//   p_d       = 2 min(p_upper_d, 1 - p_upper_d)             (two-sided predictive p-value).
// A p-value near 0 says the model cannot reproduce that feature of the data. Predictive
// p-values are conservative (concentrated around 1/2 under a correct model; Meng 1994), so a
// small one is a real signal; the Bonferroni-combined value covers all dimensions at once.
// Replicate j simulates with Rng(seed, j): the result does not depend on the thread count.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "sbi/posterior_under_test.h"
#include "simulators/simulator.h"

namespace sbi {

struct PredictiveCheckOptions {
  long num_samples = 1000;  // M posterior draws, one replicate each
  std::uint64_t seed = 0;   // posterior draws use Rng(seed, 2^40), replicate j Rng(seed, j)
  int threads = 0;          // OpenMP threads; 0 = OpenMP default
  bool is_valid(std::string* error) const;
};

struct PredictiveCheckResult {
  long num_samples = 0;             // 0 = not run
  Eigen::VectorXd observed;         // x_obs (x_dim)
  Eigen::MatrixXd replicates;       // x_dim x M
  Eigen::VectorXd predictive_mean;  // per dimension
  Eigen::VectorXd predictive_std;   // per dimension (M - 1 denominator)
  Eigen::VectorXd p_upper;          // P(x_rep > x_obs) per dimension (ties count half)
  Eigen::VectorXd p_value;          // two-sided, per dimension
  double min_p_value = -1.0;
  double combined_p_value = -1.0;   // Bonferroni: min(1, x_dim * min_p_value)

  bool passes(double level = 0.01) const { return combined_p_value >= level; }
};

// Checks x_obs against replicates simulated at the given posterior draws (theta_dim x M).
PredictiveCheckResult predictive_check(const Eigen::MatrixXd& posterior_samples,
                                       const simulators::Simulator& simulator,
                                       const Eigen::VectorXd& x_obs,
                                       const PredictiveCheckOptions& options);

// Draws options.num_samples from `posterior` for x_obs first.
PredictiveCheckResult predictive_check(const PosteriorUnderTest& posterior,
                                       const simulators::Simulator& simulator,
                                       const Eigen::VectorXd& x_obs,
                                       const PredictiveCheckOptions& options);

}  // namespace sbi
