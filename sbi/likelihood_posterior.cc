#include "sbi/likelihood_posterior.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"

namespace sbi {
namespace {

// The chains' starts by sampling-importance-resampling of prior draws. With `spread`, each
// start is moved by a small Gaussian step (a tenth of the weighted draws' sd per coordinate,
// a thousandth of the prior draws' sd where the weights sit on one draw), kept only where the
// posterior density is finite: an ensemble sampler never leaves the affine hull of its
// walkers, so walkers resampled onto the same prior draw must be pulled apart.
Eigen::MatrixXd resampled_starts(const core::Prior& prior, const LogDensity& log_posterior, int chains,
                                 std::uint64_t seed, bool spread) {
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
  if (!spread) return start;
  Eigen::VectorXd weight(candidates);
  for (int i = 0; i < candidates; ++i) weight[i] = std::isfinite(log_weight[i]) ? std::exp(log_weight[i] - top) : 0.0;
  weight /= weight.sum();
  const Eigen::VectorXd mean = theta * weight;
  const Eigen::VectorXd weighted_sd =
      ((theta.colwise() - mean).array().square().matrix() * weight).cwiseSqrt();
  const Eigen::VectorXd prior_mean = theta.rowwise().mean();
  const Eigen::VectorXd prior_sd =
      ((theta.colwise() - prior_mean).array().square().rowwise().sum() / (candidates - 1.0)).sqrt();
  Eigen::VectorXd step(prior.dim());
  for (Eigen::Index d = 0; d < step.size(); ++d)
    step[d] = weighted_sd[d] > 1e-6 * prior_sd[d] ? 0.1 * weighted_sd[d] : 1e-3 * prior_sd[d];
  for (int c = 0; c < chains; ++c)
    for (double scale = 1; scale > 1e-3; scale /= 2) {
      Eigen::VectorXd moved = start.col(c);
      for (Eigen::Index d = 0; d < moved.size(); ++d) moved[d] += scale * step[d] * rng.normal();
      if (!std::isfinite(log_posterior(moved))) continue;
      start.col(c) = moved;
      break;
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

McmcSampler parse_mcmc_sampler(const std::string& name) {
  if (name == "slice") return McmcSampler::kSlice;
  if (name == "ensemble") return McmcSampler::kEnsemble;
  throw core::Error("unknown MCMC sampler '" + name + "' (slice or ensemble)");
}

std::string mcmc_sampler_name(McmcSampler sampler) {
  return sampler == McmcSampler::kSlice ? "slice" : "ensemble";
}

int default_walkers(int dim) { return std::max(32, 4 * dim); }

McmcChains sample_likelihood_posterior(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                       const core::Prior& prior, const LikelihoodMcmcOptions& options) {
  core::check(model.is_likelihood(), "sample_likelihood_posterior: not a likelihood model");
  core::check(prior.dim() == model.x_dim(), "the prior has " + std::to_string(prior.dim()) +
                                                " parameter(s), the likelihood model is conditioned on " +
                                                std::to_string(model.x_dim()));
  core::check(x_o.size() == model.theta_dim(), "the observation has " + std::to_string(x_o.size()) +
                                                   " values, the likelihood model's x has " +
                                                   std::to_string(model.theta_dim()));
  core::check(options.chains >= 1, "sample_likelihood_posterior: chains must be >= 1");
  const LogDensity log_posterior = likelihood_log_posterior(model, x_o, prior);
  const Eigen::MatrixXd starts = resampled_starts(prior, log_posterior, options.chains, options.seed,
                                                  options.sampler == McmcSampler::kEnsemble);
  if (options.sampler == McmcSampler::kSlice) {
    SliceSamplerOptions slice;
    slice.warmup = options.warmup;
    slice.draws = options.draws;
    slice.thin = options.thin;
    slice.seed = options.seed;
    return slice_sample(log_posterior, starts, slice);
  }
  EnsembleSamplerOptions ensemble;
  ensemble.warmup = options.warmup;
  ensemble.draws = options.draws;
  ensemble.thin = options.thin;
  ensemble.seed = options.seed;
  // log q(x_o | θ_j) + log p(θ_j) for the walkers inside the prior's support, in one pass.
  const BatchLogDensity batch = [&](const Eigen::MatrixXd& theta) {
    Eigen::VectorXd lp = Eigen::VectorXd::Constant(theta.cols(), -std::numeric_limits<double>::infinity());
    std::vector<Eigen::Index> inside;
    for (Eigen::Index j = 0; j < theta.cols(); ++j)
      if (prior.in_support(theta.col(j))) inside.push_back(j);
    if (inside.empty()) return lp;
    const Eigen::MatrixXd t = theta(Eigen::all, inside);
    const Eigen::VectorXd q = model.log_prob(x_o.replicate(1, t.cols()), t);
    for (size_t i = 0; i < inside.size(); ++i) {
      const Eigen::Index j = static_cast<Eigen::Index>(i);
      lp[inside[i]] = q[j] + prior.log_prob(t.col(j));
    }
    return lp;
  };
  return ensemble_sample(batch, starts, ensemble);
}

}  // namespace sbi
