#include "sbi/coverage.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace sbi {

int hpd_rank(double log_prob_true, const Eigen::VectorXd& log_prob_samples) {
  return static_cast<int>((log_prob_samples.array() < log_prob_true).count());
}

bool CoverageOptions::is_valid(std::string* error) const {
  if (num_levels < 2) {
    *error = "CoverageOptions::num_levels = " + std::to_string(num_levels) + " must be >= 2";
  } else if (!(band_probability > 0 && band_probability < 1)) {
    *error = "CoverageOptions::band_probability = " + std::to_string(band_probability) +
             " must be in (0, 1)";
  } else {
    return true;
  }
  return false;
}

double empirical_coverage(const Eigen::VectorXi& ranks, long num_posterior_samples, double level) {
  core::check(ranks.size() > 0, "empirical_coverage: no ranks");
  const double threshold = level * (num_posterior_samples + 1);
  long covered = 0;
  for (Eigen::Index i = 0; i < ranks.size(); ++i)
    if (num_posterior_samples - ranks[i] < threshold) ++covered;
  return static_cast<double>(covered) / ranks.size();
}

CoverageCurve expected_coverage(const Eigen::VectorXi& hpd_ranks, long num_posterior_samples,
                                const CoverageOptions& options) {
  core::check_valid(options, "expected_coverage");
  CoverageCurve c;
  c.ks = ks_uniform_ranks(hpd_ranks, num_posterior_samples);  // also validates the ranks
  c.num_simulations = hpd_ranks.size();
  c.num_posterior_samples = num_posterior_samples;
  const long n = c.num_simulations;
  c.levels = Eigen::VectorXd::LinSpaced(options.num_levels, 0.0, 1.0);
  c.coverage.resize(options.num_levels);
  c.band_lower.resize(options.num_levels);
  c.band_upper.resize(options.num_levels);
  const double tail = (1 - options.band_probability) / 2;
  c.max_deviation = 0;
  for (int k = 0; k < options.num_levels; ++k) {
    const double a = c.levels[k];
    c.coverage[k] = empirical_coverage(hpd_ranks, num_posterior_samples, a);
    c.band_lower[k] = static_cast<double>(binomial_quantile(n, a, tail)) / n;
    c.band_upper[k] = static_cast<double>(binomial_quantile(n, a, 1 - tail)) / n;
    c.max_deviation = std::max(c.max_deviation, std::fabs(c.coverage[k] - a));
  }
  return c;
}

}  // namespace sbi
