// The posterior the diagnostics examine, as two operations: draw from q(theta | x) and
// evaluate log q(theta | x). SBC, expected coverage, TARP and predictive checks are written
// against this interface only, so that tests can plug in an exact posterior (and
// deliberately broken versions of it) and the command line plugs in a trained model
// through ModelPosterior.
#pragma once

#include <Eigen/Core>

#include "core/rng.h"
#include "sbi/posterior_model.h"

namespace sbi {

class PosteriorUnderTest {
 public:
  virtual ~PosteriorUnderTest() = default;

  virtual int theta_dim() const = 0;

  // n independent draws theta_j ~ q(theta | x) as theta_dim x n, drawing from `rng`
  // (borrowed) only, and, unless log_prob is null, log q(theta_j | x) of each draw (up to a
  // constant that may depend on x but not on theta). Must be thread-safe: the diagnostics
  // call it from several OpenMP threads, each with its own rng.
  virtual Eigen::MatrixXd sample(long n, const Eigen::VectorXd& x, core::Rng* rng,
                                 Eigen::VectorXd* log_prob) const = 0;

  // log q(theta_j | x) for each column of theta (theta_dim x N), with the same x-dependent
  // constant as sample(). Thread-safe.
  virtual Eigen::VectorXd log_prob(const Eigen::MatrixXd& theta, const Eigen::VectorXd& x) const = 0;
};

// A trained PosteriorModel seen as a PosteriorUnderTest. With restrict_to_prior (and a model
// that has a prior), draws outside the prior support are rejected, as `sbi sample` does
// (posterior_sampler.h); log q is then the unrestricted model density, which differs from
// the renormalised one by the constant log Z(x), so every rank statistic is unchanged.
class ModelPosterior final : public PosteriorUnderTest {
 public:
  // `model` is borrowed and must outlive this object.
  explicit ModelPosterior(const PosteriorModel& model, bool restrict_to_prior = true,
                          double min_acceptance = 1e-4);

  int theta_dim() const override { return model_.theta_dim(); }
  // Throws core::Error when the acceptance rate is clearly below min_acceptance: fewer than
  // min_acceptance * proposed - 3 of at least 1000 proposals fall inside the prior support.
  Eigen::MatrixXd sample(long n, const Eigen::VectorXd& x, core::Rng* rng,
                         Eigen::VectorXd* log_prob) const override;
  Eigen::VectorXd log_prob(const Eigen::MatrixXd& theta, const Eigen::VectorXd& x) const override;

 private:
  const PosteriorModel& model_;
  bool restrict_;
  double min_acceptance_;
};

}  // namespace sbi
