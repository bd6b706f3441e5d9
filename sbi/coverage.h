// Expected coverage of highest-posterior-density (HPD) regions (Hermans, Delaunoy, Rozet,
// Wehenkel, Begy & Louppe 2022, "A trust crisis in simulation-based inference? Your
// posterior approximations can be unfaithful", TMLR, sec. 3, eq. 3-4).
//
// For a pair (theta*, x*) and L draws theta_j ~ q(theta | x*), theta* lies in the HPD region
// of credibility alpha when less than a fraction alpha of q's mass is denser than q(theta*),
// estimated from the samples by
//   k = #{ j : log q(theta_j | x*) >= log q(theta* | x*) } = L - r,
//   r = #{ j : log q(theta_j | x*) <  log q(theta* | x*) }   (the "HPD rank"),
// and theta* counts as covered at level alpha when k < alpha (L + 1). If q is the true
// posterior, k is uniform on {0..L}, so the covered fraction is ceil(alpha (L+1)) / (L+1),
// within 1 / (L+1) above alpha. The expected coverage curve is the covered fraction over N
// pairs as a function of alpha: on the diagonal for a calibrated q, below it for an
// overconfident or biased q, above it for an underconfident one.
#pragma once

#include <string>

#include <Eigen/Core>

#include "sbi/uniformity_tests.h"

namespace sbi {

// r = #{ j : log_prob_samples[j] < log_prob_true }.
int hpd_rank(double log_prob_true, const Eigen::VectorXd& log_prob_samples);

struct CoverageOptions {
  int num_levels = 101;            // levels 0, 1/(n-1), ..., 1
  double band_probability = 0.99;  // central binomial band around the diagonal
  bool is_valid(std::string* error) const;
};

struct CoverageCurve {
  long num_simulations = 0;        // N; 0 = not run
  long num_posterior_samples = 0;  // L
  Eigen::VectorXd levels;          // credibility levels alpha
  Eigen::VectorXd coverage;        // covered fraction at each level
  // Binomial band: quantiles (1 -+ band_probability) / 2 of Binomial(N, alpha) / N, where a
  // calibrated posterior's curve falls at each level with probability >= band_probability.
  Eigen::VectorXd band_lower, band_upper;
  double max_deviation = -1.0;     // max |coverage - level| over the levels
  UniformityTest ks;               // discrete-uniform KS test of the HPD ranks

  bool passes(double level = 0.01) const { return ks.p_value >= level; }
};

// Covered fraction at one level alpha: #{ i : L - r_i < alpha (L + 1) } / N.
double empirical_coverage(const Eigen::VectorXi& ranks, long num_posterior_samples, double level);

// The curve from the HPD ranks r_i in {0..L} (calibration.h computes them).
CoverageCurve expected_coverage(const Eigen::VectorXi& hpd_ranks, long num_posterior_samples,
                                const CoverageOptions& options = {});

}  // namespace sbi
