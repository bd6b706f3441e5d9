// Tests of Accuracy with Random Points (TARP; Lemos, Coogan, Hezaveh & Perreault-Levasseur
// 2023, "Sampling-based accuracy testing of posterior estimators for general inference",
// ICML, Algorithm 2 and Theorem 3). For each pair (theta*, x*), draw a reference point
// theta_r from a distribution that may depend on x* but not on theta*, and count the
// posterior draws closer to theta_r than theta* is:
//   c = #{ j : ||theta_j - theta_r|| < ||theta* - theta_r|| }   in {0..L}.
// The expected coverage probability ECP(alpha) = #{ i : c_i < alpha (L + 1) } / N lies on the
// diagonal for every alpha if and only if q is the true posterior (their Theorem 3, for a
// reference distribution with full support), so, unlike HPD coverage, TARP needs no
// density evaluations. Distances are Euclidean after dividing each parameter by a scale
// (the prior standard deviation), so that no parameter dominates through its units.
//
// Reference points: drawn from the prior (the paper's recommendation), or uniform in the
// bounding box of a separate batch of posterior draws for x*, widened by a margin on each
// side. The box uses draws other than the L counted ones, so theta_r stays independent of
// the counted draws given x*, which the exchangeability argument of Theorem 3 needs.
#pragma once

#include <string>

#include <Eigen/Core>

#include "core/prior.h"
#include "sbi/uniformity_tests.h"

namespace sbi {

enum class TarpReference {
  kPrior,      // theta_r ~ p(theta)
  kSampleBox,  // theta_r ~ U(box around separate posterior draws for x*)
};
std::string tarp_reference_name(TarpReference r);  // "prior", "box"
// Throws core::Error naming the accepted values.
TarpReference parse_tarp_reference(const std::string& name);

// c = #{ j : ||(samples_j - reference) / scale|| < ||(theta_true - reference) / scale|| }.
int tarp_count(const Eigen::VectorXd& theta_true, const Eigen::MatrixXd& samples,
               const Eigen::VectorXd& reference, const Eigen::VectorXd& scale);

// Per-parameter standard deviation of the prior (core::Prior::stddev, closed forms).
Eigen::VectorXd prior_scale(const core::Prior& prior);

// A point uniform in [min_d - m w_d, max_d + m w_d] per parameter, where min, max and the
// width w are those of `draws` (D x M) and m = margin; a zero width is widened to 1e-12.
Eigen::VectorXd tarp_box_reference(const Eigen::MatrixXd& draws, double margin, core::Rng* rng);

struct TarpOptions {
  int num_levels = 101;  // levels 0, 1/(n-1), ..., 1
  bool is_valid(std::string* error) const;
};

struct TarpResult {
  long num_simulations = 0;        // N; 0 = not run
  long num_posterior_samples = 0;  // L
  Eigen::VectorXd levels;          // credibility levels alpha
  Eigen::VectorXd ecp;             // expected coverage probability at each level
  double max_deviation = -1.0;     // max |ecp - alpha|
  UniformityTest ks;               // discrete-uniform KS test of the counts c_i

  bool passes(double level = 0.01) const { return ks.p_value >= level; }
};

// From the counts c_i in {0..L} (calibration.h computes them).
TarpResult tarp_test(const Eigen::VectorXi& counts, long num_posterior_samples,
                     const TarpOptions& options = {});

}  // namespace sbi
