#include "sbi/posterior_under_test.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace sbi {

ModelPosterior::ModelPosterior(const PosteriorModel& model, bool restrict_to_prior,
                               double min_acceptance)
    : model_(model),
      restrict_(restrict_to_prior && model.prior.has_value()),
      min_acceptance_(min_acceptance) {
  core::check(min_acceptance > 0 && min_acceptance <= 1,
              "ModelPosterior: min_acceptance must be in (0, 1]");
}

Eigen::MatrixXd ModelPosterior::sample(long n, const Eigen::VectorXd& x, core::Rng* rng,
                                       Eigen::VectorXd* log_prob) const {
  core::check(n >= 0, "ModelPosterior::sample: n must be >= 0");
  if (!restrict_) return model_.draw(n, x, rng, log_prob);
  Eigen::MatrixXd out(theta_dim(), n);
  if (log_prob != nullptr) log_prob->resize(n);
  long filled = 0, proposed = 0, accepted = 0;
  while (filled < n) {
    const double rate =
        proposed == 0 ? 1.0 : std::max(static_cast<double>(accepted) / proposed, min_acceptance_);
    const long want = std::min<long>(std::max<long>(16, static_cast<long>(1.1 * (n - filled) / rate)),
                                     50 * n + 64);
    Eigen::VectorXd lp;
    const Eigen::MatrixXd draws = model_.draw(want, x, rng, log_prob != nullptr ? &lp : nullptr);
    for (Eigen::Index j = 0; j < draws.cols() && filled < n; ++j) {
      ++proposed;
      if (!model_.prior->in_support(draws.col(j))) continue;
      ++accepted;
      if (log_prob != nullptr) (*log_prob)[filled] = lp[j];
      out.col(filled++) = draws.col(j);
    }
    // Give up only when even 3 more acceptances would leave the rate below the minimum, so
    // a small but acceptable rate is not mistaken for a failure after few proposals.
    if (filled < n && proposed >= 1000 &&
        static_cast<double>(accepted + 3) / proposed < min_acceptance_)
      throw core::Error("ModelPosterior::sample: only " + std::to_string(accepted) + " of " +
                        std::to_string(proposed) +
                        " posterior draws fall inside the prior support");
  }
  return out;
}

Eigen::VectorXd ModelPosterior::log_prob(const Eigen::MatrixXd& theta,
                                         const Eigen::VectorXd& x) const {
  return model_.log_prob(theta, x);
}

}  // namespace sbi
