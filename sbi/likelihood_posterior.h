// The posterior of a likelihood model (ModelTarget::kX, neural likelihood estimation):
// p(θ | x_o) ∝ q(x_o | θ) p(θ), sampled by slice sampling (sbi/slice_sampler.h). The chains
// start at sampling-importance-resampling draws: 1000 prior draws per chain, each chain's
// start drawn from them with weights ∝ q(x_o | θ) (as sbibm starts SNLE's chains), so that
// the chains start spread over the posterior's modes in proportion to their mass and their
// mixture weighs separated modes right even where no chain crosses between them.
#pragma once

#include <Eigen/Core>

#include "core/prior.h"
#include "sbi/posterior_model.h"
#include "sbi/slice_sampler.h"

namespace sbi {

// log q(x_o | θ) + log p(θ), -inf outside the prior's support (thread-safe).
LogDensity likelihood_log_posterior(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                    const core::Prior& prior);

// `chains` chains of options.draws draws each (options.seed: the chains' streams and the
// starts' stream (seed, 2^32)). Throws if the model is not a likelihood model, the prior's
// dimension is not the model's θ, or no prior draw has a finite posterior density.
SliceChains sample_likelihood_posterior(const PosteriorModel& model, const Eigen::VectorXd& x_o,
                                        const core::Prior& prior, int chains, const SliceSamplerOptions& options);

}  // namespace sbi
