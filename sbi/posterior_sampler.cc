#include "sbi/posterior_sampler.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "core/progress.h"

namespace sbi {

bool SampleOptions::is_valid(std::string* error) const {
  if (num_samples < 1) *error = "SampleOptions::num_samples must be >= 1";
  else if (!(min_acceptance > 0 && min_acceptance <= 1)) *error = "SampleOptions::min_acceptance must be in (0, 1]";
  else return true;
  return false;
}

PosteriorSamples sample_posterior(const PosteriorModel& model, const Eigen::VectorXd& x,
                                  const SampleOptions& options, SampleSummary* summary) {
  core::check_valid(options, "sample_posterior");
  model.check_observation(x, "observation");
  core::Stopwatch clock;
  *summary = SampleSummary{};
  const bool restrict = options.restrict_to_prior && model.prior.has_value();
  const long n = options.num_samples;
  PosteriorSamples out;
  out.theta.resize(model.theta_dim(), n);
  if (options.with_log_prob) out.log_prob.resize(n);
  long filled = 0;
  // Each round draws from its own stream so the result depends only on the seed.
  for (std::uint64_t round = 0; filled < n; ++round) {
    const double rate = summary->proposed == 0
                            ? 1.0
                            : std::max(static_cast<double>(summary->accepted) / summary->proposed,
                                       options.min_acceptance);
    const long want = std::min<long>(std::max<long>(64, static_cast<long>(1.1 * (n - filled) / rate)),
                                     50 * n + 64);
    core::Rng rng(options.seed, round);
    Eigen::VectorXd draws_lp;
    const Eigen::MatrixXd draws =
        model.draw(want, x, &rng, options.with_log_prob ? &draws_lp : nullptr);
    for (Eigen::Index j = 0; j < draws.cols() && filled < n; ++j) {
      ++summary->proposed;  // only draws examined count, so the rate is not diluted
      if (restrict && !model.prior->in_support(draws.col(j))) continue;
      if (options.with_log_prob) out.log_prob[filled] = draws_lp[j];
      out.theta.col(filled++) = draws.col(j);
      ++summary->accepted;
    }
    // Give up only after enough draws that even a rate of min_acceptance would have
    // produced ~3 accepted ones (P(0 accepted | rate = min) = e^-3 = 5%).
    if (filled < n && summary->proposed >= static_cast<long>(3.0 / options.min_acceptance) &&
        static_cast<double>(summary->accepted) / summary->proposed < options.min_acceptance)
      throw core::Error("sample_posterior: only " + std::to_string(summary->accepted) + " of " +
                        std::to_string(summary->proposed) +
                        " posterior draws fall inside the prior support; the observation is "
                        "probably outside what the simulations cover");
  }
  summary->acceptance_rate = static_cast<double>(summary->accepted) / summary->proposed;
  summary->seconds = clock.seconds();
  return out;
}

}  // namespace sbi
