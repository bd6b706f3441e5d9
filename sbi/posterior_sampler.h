// Drawing posterior samples for an observation, restricted to the prior's support:
// draws outside it are rejected (q renormalised to the support), and the acceptance rate
// is reported so that a posterior leaking out of the prior is visible.
#pragma once

#include <string>

#include "sbi/posterior_model.h"

namespace sbi {

struct SampleOptions {
  long num_samples = 10000;
  std::uint64_t seed = 0;
  bool restrict_to_prior = true;     // reject draws outside the prior support (if the model has one)
  double min_acceptance = 1e-4;      // give up (error) when fewer of the draws fall inside
  // log q of each draw. Free for coupling flows (it comes from the same pass); for the CNF
  // it costs theta_dim + 1 field evaluations per ODE step instead of 1 (exact trace), so
  // callers that need only theta (C2ST) may turn it off: log_prob is then left empty.
  bool with_log_prob = true;
  bool is_valid(std::string* error) const;
};

struct SampleSummary {
  long accepted = 0;
  long proposed = 0;
  double acceptance_rate = 1.0;
  double seconds = 0;
};

struct PosteriorSamples {
  Eigen::MatrixXd theta;    // theta_dim x num_samples
  Eigen::VectorXd log_prob; // log q(theta | x) of each draw (unnormalised by the support mass);
                            // empty when SampleOptions::with_log_prob is false
};

// Samples for one observation x (x_dim).
PosteriorSamples sample_posterior(const PosteriorModel& model, const Eigen::VectorXd& x,
                                  const SampleOptions& options, SampleSummary* summary);

}  // namespace sbi
