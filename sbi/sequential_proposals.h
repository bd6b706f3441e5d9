// Where the simulations of the next round come from, in sequential inference for one
// observation x_o (`sbi infer`, apps/cmd_infer.cc):
//
// - TSNPE (truncated sequential NPE, Deistler et al. 2022): the prior truncated to the
//   highest-probability region of the current posterior q(θ | x_o) that holds 1 - ε of its
//   mass, HPR_ε = {θ : log q(θ | x_o) >= τ} with τ the ε-quantile of log q under q. Inside
//   the region the truncated prior is proportional to the prior, so training on every
//   round's pairs with the ordinary NPE loss keeps estimating the posterior there, without
//   the corrections of SNPE-A/B/C. Drawn by rejection from the prior; when fewer than
//   `rejection_floor` of the prior's draws land in the region, by sampling-importance-
//   resampling instead (candidates from q, weights p(θ) / q(θ | x_o) inside the region).
// - SNLE (sequential neural likelihood, Papamakarios et al. 2019): the current posterior
//   ∝ q(x_o | θ) p(θ) of a likelihood model, drawn by slice sampling (sbi/likelihood_posterior.h).
//
// Every draw comes from streams derived from `seed`, so a round is reproducible for any
// number of threads.
#pragma once

#include <cstdint>
#include <string>

#include <Eigen/Core>

#include "core/prior.h"
#include "sbi/likelihood_posterior.h"
#include "sbi/posterior_model.h"

namespace sbi {

struct TruncationOptions {
  double tail_mass = 1e-4;        // ε: the region holds 1 - ε of q's mass
  long support_draws = 10000;     // draws of q whose log q sets τ (their ⌊ε n⌋-th smallest)
  double rejection_floor = 1e-3;  // below this acceptance of prior draws: importance resampling
  // Fewer of q's draws inside the prior's support than this fraction: x_o lies outside what
  // the prior predicts (or the model is poor there); an error, not an endless loop.
  double min_support_fraction = 1e-3;
  bool is_valid(std::string* error) const;
};

struct ProposalDraws {
  Eigen::MatrixXd theta;              // theta_dim x n
  std::string sampler;                // how they were drawn, for logs and round files
  double log_q_threshold = 0;         // TSNPE: τ
  double acceptance = 1;              // TSNPE: the fraction of prior draws inside the region
  double effective_sample_size = 0;   // TSNPE by resampling: Kish's ESS of the weights
  double support_fraction = 1;        // TSNPE: the fraction of q's draws inside the prior's support
};

// n draws of the prior truncated to HPR_ε of the posterior model's q(θ | x_o). Throws
// core::Error when q puts almost no mass inside the prior's support (see above), naming x_o's
// fraction, or for a likelihood model.
ProposalDraws truncated_prior_draws(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                    const core::Prior& prior, long n, const TruncationOptions& options,
                                    std::uint64_t seed);

// n draws of the posterior ∝ q(x_o | θ) p(θ) of a likelihood model: options.chains chains
// (slice sampling) or walkers (the ensemble sampler) of n / chains draws each (the first
// n mod chains one more) after options.warmup steps; options.draws is set here.
ProposalDraws likelihood_posterior_draws(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                         const core::Prior& prior, long n, LikelihoodMcmcOptions options);

}  // namespace sbi
