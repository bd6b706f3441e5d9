// Simulation-based calibration (Talts, Betancourt, Simpson, Vehtari & Gelman 2018,
// "Validating Bayesian inference algorithms with simulation-based calibration",
// arXiv:1804.06788, Algorithm 1): for N pairs theta* ~ p(theta), x* ~ p(x | theta*), draw L
// samples theta_j ~ q(theta | x*) and record, per parameter d, the rank
//   r_d = #{ j : theta_jd < theta*_d }  in {0, ..., L}.
// If q is the true posterior, every r_d is uniform on {0, ..., L} (their Theorem 1); an
// overconfident q piles ranks at both ends, an underconfident one in the middle, a biased one
// at one end (their Fig. 3-5). The ranks are tested for uniformity per parameter with a
// Kolmogorov-Smirnov and a Pearson chi-square test (uniformity_tests.h).
//
// The (theta*, x*, samples) loop lives in calibration.h; this file turns ranks into results.
#pragma once

#include <string>
#include <vector>

#include <Eigen/Core>

#include "sbi/uniformity_tests.h"

namespace sbi {

// r_d = #{ j : samples(d, j) < theta_true(d) } per parameter d. samples is D x L.
Eigen::VectorXi sbc_ranks(const Eigen::VectorXd& theta_true, const Eigen::MatrixXd& samples);

struct SbcOptions {
  // Bins of the rank histogram and of the chi-square test; 0 picks default_sbc_bins.
  int num_bins = 0;
  bool is_valid(std::string* error) const;
};

// Talts et al. (sec. 4.1) suggest about N / 20 expected ranks per bin; we take
// B = clamp(N / 20, 2, 50), at most L + 1 (every bin holds at least one rank value), so the
// chi-square approximation has >= 20 expected counts per bin for N >= 40.
int default_sbc_bins(long num_simulations, long num_posterior_samples);

struct SbcDimension {
  UniformityTest ks;          // discrete-uniform KS on the ranks
  UniformityTest chi_square;  // Pearson chi-square on num_bins bins
  Eigen::VectorXd bin_counts; // rank histogram (num_bins)
};

struct SbcResult {
  long num_simulations = 0;        // N; 0 = not run
  long num_posterior_samples = 0;  // L
  int num_bins = 0;
  Eigen::VectorXd bin_widths;      // rank values per bin (they differ when B does not divide L+1)
  std::vector<SbcDimension> dimensions;
  double min_p_value = -1.0;       // over the 2 D tests
  // Bonferroni-adjusted: min(1, 2 D * min_p_value). Under the null, P(combined < a) <= a.
  double combined_p_value = -1.0;

  // True when the combined p-value is at least `level` (no evidence of miscalibration).
  bool passes(double level = 0.01) const { return combined_p_value >= level; }
};

// ranks: D x N, each in {0..L}. Throws core::Error on invalid options or ranks.
SbcResult sbc_test(const Eigen::MatrixXi& ranks, long num_posterior_samples,
                   const SbcOptions& options = {});

}  // namespace sbi
