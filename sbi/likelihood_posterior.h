// The posterior of a likelihood model (ModelTarget::kX, neural likelihood estimation):
// p(θ | x_o) ∝ q(x_o | θ) p(θ), sampled by slice sampling (sbi/slice_sampler.h) or by the
// affine-invariant ensemble sampler (sbi/ensemble_sampler.h; its walkers' log q is evaluated
// as one batch per half-step, so each step costs one network pass). The chains (walkers)
// start at sampling-importance-resampling draws: 1000 prior draws per chain, each chain's
// start drawn from them with weights ∝ q(x_o | θ) (as sbibm starts SNLE's chains), so that
// the chains start spread over the posterior's modes in proportion to their mass and their
// mixture weighs separated modes right even where no chain crosses between them.
#pragma once

#include <Eigen/Core>

#include "core/prior.h"
#include "sbi/posterior_model.h"
#include "sbi/ensemble_sampler.h"
#include "sbi/slice_sampler.h"

namespace sbi {

// log q(x_o | θ) + log p(θ), -inf outside the prior's support (thread-safe).
LogDensity likelihood_log_posterior(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                    const core::Prior& prior);

enum class McmcSampler { kSlice, kEnsemble };
McmcSampler parse_mcmc_sampler(const std::string& name);  // "slice", "ensemble"; core::Error otherwise
std::string mcmc_sampler_name(McmcSampler sampler);

struct LikelihoodMcmcOptions {
  McmcSampler sampler = McmcSampler::kSlice;
  int chains = 4;      // slice-sampling chains, or the ensemble's walkers (even, >= 2 D)
  long warmup = 500;   // steps discarded per chain
  long draws = 1000;   // steps kept per chain
  long thin = 1;
  std::uint64_t seed = 0;  // the chains' streams; the starts' stream is (seed, 2^32)
};

// The ensemble's walkers when none are asked for: 4 D, at least 32, even.
int default_walkers(int dim);

// options.chains chains of options.draws draws each. Throws if the model is not a likelihood
// model, the prior's dimension is not the model's θ, or no prior draw has a finite posterior
// density.
McmcChains sample_likelihood_posterior(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                       const core::Prior& prior, const LikelihoodMcmcOptions& options);

}  // namespace sbi
