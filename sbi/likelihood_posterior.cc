#include "sbi/likelihood_posterior.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace sbi {
namespace {

Eigen::MatrixXd resampled_starts(const core::Prior& prior, const LogDensity& log_posterior, int chains,
                                 std::uint64_t seed) {
  const int candidates = 1000 * chains;
  core::Rng rng(seed, std::uint64_t{1} << 32);
  Eigen::MatrixXd theta(prior.dim(), candidates);
  Eigen::VectorXd log_weight(candidates);
  for (int i = 0; i < candidates; ++i) {
    Eigen::VectorXd t(prior.dim());
    prior.sample(&rng, t);
    theta.col(i) = t;
    log_weight[i] = log_posterior(t) - prior.log_prob(t);  // the likelihood
  }
  const double top = log_weight.maxCoeff();
  core::check(std::isfinite(top), "no prior draw of " + std::to_string(candidates) + " has a finite posterior "
                                  "density (the likelihood model gives -inf or NaN everywhere: is the "
                                  "observation far outside its training data?)");
  Eigen::VectorXd cumulative(candidates);
  double total = 0;
  for (int i = 0; i < candidates; ++i) {
    total += std::isfinite(log_weight[i]) ? std::exp(log_weight[i] - top) : 0.0;
    cumulative[i] = total;
  }
  Eigen::MatrixXd start(prior.dim(), chains);
  for (int c = 0; c < chains; ++c) {
    const double u = rng.uniform() * total;
    const double* at = std::upper_bound(cumulative.data(), cumulative.data() + candidates, u);
    start.col(c) = theta.col(std::min<long>(at - cumulative.data(), candidates - 1));
  }
  return start;
}

}  // namespace

LogDensity likelihood_log_posterior(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                    const core::Prior& prior) {
  return [&model, x_o, &prior](const Eigen::VectorXd& theta) {
    if (!prior.in_support(theta)) return -std::numeric_limits<double>::infinity();
    return model.log_prob(x_o, theta)[0] + prior.log_prob(theta);
  };
}

SliceChains sample_likelihood_posterior(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                        const core::Prior& prior, int chains, const SliceSamplerOptions& options) {
  core::check(model.is_likelihood(), "sample_likelihood_posterior: not a likelihood model");
  core::check(prior.dim() == model.x_dim(), "the prior has " + std::to_string(prior.dim()) +
                                                " parameter(s), the likelihood model is conditioned on " +
                                                std::to_string(model.x_dim()));
  core::check(x_o.size() == model.theta_dim(), "the observation has " + std::to_string(x_o.size()) +
                                                   " values, the likelihood model's x has " +
                                                   std::to_string(model.theta_dim()));
  core::check(chains >= 1, "sample_likelihood_posterior: chains must be >= 1");
  const LogDensity log_posterior = likelihood_log_posterior(model, x_o, prior);
  return slice_sample(log_posterior, resampled_starts(prior, log_posterior, chains, options.seed), options);
}

}  // namespace sbi
