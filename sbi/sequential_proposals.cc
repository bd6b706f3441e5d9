#include "sbi/sequential_proposals.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <vector>

#include "core/error.h"
#include "core/rng.h"
#include "sbi/likelihood_posterior.h"

namespace sbi {
namespace {

constexpr long kBlock = 20000;  // prior candidates evaluated at once

std::string percent(double fraction) {
  char text[32];
  std::snprintf(text, sizeof text, "%.3g%%", 100 * fraction);
  return text;
}

}  // namespace

bool TruncationOptions::is_valid(std::string* error) const {
  if (!(tail_mass > 0 && tail_mass < 1)) *error = "TruncationOptions::tail_mass must be in (0, 1)";
  else if (support_draws < 100) *error = "TruncationOptions::support_draws must be >= 100";
  else if (!(rejection_floor > 0 && rejection_floor < 1)) *error = "TruncationOptions::rejection_floor must be in (0, 1)";
  else if (!(min_support_fraction > 0 && min_support_fraction < 1))
    *error = "TruncationOptions::min_support_fraction must be in (0, 1)";
  else return true;
  return false;
}

ProposalDraws truncated_prior_draws(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                    const core::Prior& prior, long n, const TruncationOptions& options,
                                    std::uint64_t seed) {
  core::check_valid(options, "truncated_prior_draws");
  core::check(!model.is_likelihood(), "truncated_prior_draws: the model is a likelihood, not a posterior");
  core::check(prior.dim() == model.theta_dim(), "truncated_prior_draws: the prior's dimension is not the model's");
  core::check(n >= 1, "truncated_prior_draws: n must be >= 1");
  ProposalDraws out;
  // τ: the ε-quantile of log q under q.
  core::Rng support_rng(seed, 1);
  Eigen::VectorXd log_q;
  const Eigen::MatrixXd support = model.draw(options.support_draws, x_o, &support_rng, &log_q);
  std::vector<double> sorted(log_q.data(), log_q.data() + log_q.size());
  const size_t k = static_cast<size_t>(std::floor(options.tail_mass * static_cast<double>(sorted.size())));
  std::nth_element(sorted.begin(), sorted.begin() + static_cast<long>(k), sorted.end());
  out.log_q_threshold = sorted[k];
  long inside = 0;
  for (Eigen::Index j = 0; j < support.cols(); ++j) inside += prior.in_support(support.col(j)) ? 1 : 0;
  out.support_fraction = static_cast<double>(inside) / static_cast<double>(support.cols());
  core::check(out.support_fraction >= options.min_support_fraction,
              "the posterior of the observation puts " + percent(out.support_fraction) +
                  " of its mass inside the prior's support (below " + percent(options.min_support_fraction) +
                  "): the observation lies outside what the prior predicts; check its units and the prior");

  // Rejection from the prior, block by block (every candidate of a block evaluated, so that
  // the acceptance is measured on whole blocks), unless the first block's acceptance is
  // below the floor.
  out.theta.resize(model.theta_dim(), n);
  long accepted = 0, proposed = 0, inside_region = 0;
  for (std::uint64_t block = 0; accepted < n; ++block) {
    core::Rng rng(seed, 0x100 + block);
    const Eigen::MatrixXd candidates = prior.sample(static_cast<int>(kBlock), &rng);
    const Eigen::VectorXd lq = model.log_prob(candidates, x_o);
    proposed += kBlock;
    for (Eigen::Index j = 0; j < candidates.cols(); ++j) {
      if (lq[j] < out.log_q_threshold) continue;
      ++inside_region;
      if (accepted < n) out.theta.col(accepted++) = candidates.col(j);
    }
    out.acceptance = static_cast<double>(inside_region) / static_cast<double>(proposed);
    if (out.acceptance < options.rejection_floor) break;
  }
  if (out.acceptance >= options.rejection_floor) {
    out.sampler = "rejection from the prior (acceptance " + percent(out.acceptance) + ")";
    return out;
  }

  // Sampling-importance-resampling: candidates from q, weights p(θ) / q(θ | x_o) inside the
  // region and the support, n draws resampled (systematic resampling).
  core::Rng candidate_rng(seed, 2);
  const long num_candidates = std::max(10 * n, 100000L);
  Eigen::VectorXd candidate_log_q;
  const Eigen::MatrixXd candidates = model.draw(num_candidates, x_o, &candidate_rng, &candidate_log_q);
  const Eigen::VectorXd log_p = prior.log_prob_batch(candidates);
  Eigen::VectorXd log_w(num_candidates);
  double max_log_w = -std::numeric_limits<double>::infinity();
  for (long j = 0; j < num_candidates; ++j) {
    log_w[j] = candidate_log_q[j] >= out.log_q_threshold ? log_p[j] - candidate_log_q[j]
                                                         : -std::numeric_limits<double>::infinity();
    max_log_w = std::max(max_log_w, log_w[j]);
  }
  core::check(std::isfinite(max_log_w), "truncated_prior_draws: no draw of q lies inside the region and the prior's support");
  const Eigen::ArrayXd w = (log_w.array() - max_log_w).exp();
  const double sum = w.sum();
  out.effective_sample_size = sum * sum / w.square().sum();
  core::Rng resample_rng(seed, 3);
  const double step = sum / static_cast<double>(n);
  double cumulative = w[0], position = resample_rng.uniform() * step;
  long j = 0;
  for (long i = 0; i < n; ++i, position += step) {
    while (cumulative < position && j + 1 < num_candidates) cumulative += w[++j];
    out.theta.col(i) = candidates.col(j);
  }
  char line[200];
  std::snprintf(line, sizeof line,
                "importance resampling of %ld draws of q (prior acceptance %s below the floor %s; ESS %.0f)",
                num_candidates, percent(out.acceptance).c_str(), percent(options.rejection_floor).c_str(),
                out.effective_sample_size);
  out.sampler = line;
  return out;
}

ProposalDraws likelihood_posterior_draws(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                         const core::Prior& prior, long n, LikelihoodMcmcOptions options) {
  const int chains = options.chains;
  core::check(n >= 1 && chains >= 1, "likelihood_posterior_draws: n and chains must be >= 1");
  options.draws = (n + chains - 1) / chains;
  const McmcChains result = sample_likelihood_posterior(model, x_o, prior, options);
  ProposalDraws out;
  out.theta.resize(model.x_dim(), n);  // a likelihood model's context is θ
  long filled = 0;
  for (long d = 0; d < options.draws && filled < n; ++d)
    for (int c = 0; c < chains && filled < n; ++c) out.theta.col(filled++) = result.draws[c].col(d);
  char line[200];
  if (options.sampler == McmcSampler::kSlice)
    std::snprintf(line, sizeof line, "slice sampling of q(x_o | theta) p(theta): %d chains, %ld warm-up steps",
                  chains, options.warmup);
  else
    std::snprintf(line, sizeof line,
                  "the ensemble sampler on q(x_o | theta) p(theta): %d walkers, %ld warm-up steps, acceptance %.2f",
                  chains, options.warmup, result.acceptance);
  out.sampler = line;
  return out;
}

}  // namespace sbi
