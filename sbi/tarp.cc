#include "sbi/tarp.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "sbi/coverage.h"

namespace sbi {

std::string tarp_reference_name(TarpReference r) {
  return r == TarpReference::kPrior ? "prior" : "box";
}

TarpReference parse_tarp_reference(const std::string& name) {
  if (name == "prior") return TarpReference::kPrior;
  if (name == "box") return TarpReference::kSampleBox;
  throw core::Error("unknown TARP reference '" + name + "' (expected prior or box)");
}

int tarp_count(const Eigen::VectorXd& theta_true, const Eigen::MatrixXd& samples,
               const Eigen::VectorXd& reference, const Eigen::VectorXd& scale) {
  core::check(samples.rows() == theta_true.size() && reference.size() == theta_true.size() &&
                  scale.size() == theta_true.size(),
              "tarp_count: theta_true, samples, reference and scale disagree in dimension");
  const Eigen::ArrayXd inv = scale.array().inverse();
  const double r2 = ((theta_true - reference).array() * inv).square().sum();
  int c = 0;
  for (Eigen::Index j = 0; j < samples.cols(); ++j)
    if (((samples.col(j) - reference).array() * inv).square().sum() < r2) ++c;
  return c;
}

Eigen::VectorXd prior_scale(const core::Prior& prior) { return prior.stddev(); }

Eigen::VectorXd tarp_box_reference(const Eigen::MatrixXd& draws, double margin, core::Rng* rng) {
  core::check(draws.cols() >= 1, "tarp_box_reference: no draws");
  const Eigen::VectorXd lo = draws.rowwise().minCoeff(), hi = draws.rowwise().maxCoeff();
  Eigen::VectorXd r(draws.rows());
  for (Eigen::Index d = 0; d < r.size(); ++d) {
    const double w = std::max(hi[d] - lo[d], 1e-12);
    r[d] = rng->uniform(lo[d] - margin * w, hi[d] + margin * w);
  }
  return r;
}

bool TarpOptions::is_valid(std::string* error) const {
  if (num_levels >= 2) return true;
  *error = "TarpOptions::num_levels = " + std::to_string(num_levels) + " must be >= 2";
  return false;
}

TarpResult tarp_test(const Eigen::VectorXi& counts, long num_posterior_samples,
                     const TarpOptions& options) {
  core::check_valid(options, "tarp_test");
  TarpResult t;
  t.ks = ks_uniform_ranks(counts, num_posterior_samples);  // also validates the counts
  t.num_simulations = counts.size();
  t.num_posterior_samples = num_posterior_samples;
  t.levels = Eigen::VectorXd::LinSpaced(options.num_levels, 0.0, 1.0);
  t.ecp.resize(options.num_levels);
  t.max_deviation = 0;
  // ECP(alpha) = #{ c_i < alpha (L+1) } / N, i.e. the coverage formula with rank L - c.
  const Eigen::VectorXi as_ranks =
      (Eigen::VectorXi::Constant(counts.size(), static_cast<int>(num_posterior_samples)) - counts).eval();
  for (int k = 0; k < options.num_levels; ++k) {
    t.ecp[k] = empirical_coverage(as_ranks, num_posterior_samples, t.levels[k]);
    t.max_deviation = std::max(t.max_deviation, std::fabs(t.ecp[k] - t.levels[k]));
  }
  return t;
}

}  // namespace sbi
