// The proposals of sequential inference (sbi/sequential_proposals.h). For a posterior model
// trained on x = θ + noise under a uniform prior: the truncated prior's draws all lie in the
// high-probability region {log q >= τ} and the prior's support, τ leaves about ε of q's
// draws below it, the draws are uniform over the region (the prior's shape) as rejection by
// brute force gives, importance resampling (forced by a high floor) gives the same
// distribution, the draws repeat for a seed, and an observation far outside what the prior
// predicts is an error rather than an endless loop.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "sbi/sequential_proposals.h"
#include "sbi/trainer.h"
#include "testing/random_matrix.h"

namespace sbi {
namespace {

// q(θ | x) for x = θ + 0.2 noise, θ ~ U(-1, 1)^2: the posterior of x_o = (0.3, -0.2) is a
// Gaussian blob of sd 0.2 inside the box.
PosteriorModel trained_model(const core::Prior& prior) {
  core::Rng rng(3, 1);
  const long n = 4000;
  const Eigen::MatrixXd theta = prior.sample(static_cast<int>(n), &rng);
  const Eigen::MatrixXd x = theta + 0.2 * testing::standard_normal_matrix(2, n, 4);
  ModelOptions mo;
  mo.density = default_density_options(DensityKind::kNSF);
  mo.density.hidden = 32;
  mo.seed = 1;
  PosteriorModel model = PosteriorModel::create(mo, 2, 2);
  model.prior = prior;
  TrainOptions options;
  options.max_epochs = 30;
  options.seed = 2;
  TrainSummary summary;
  train(options, theta, x, &model, &summary);
  return model;
}

class TruncatedPrior : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { model_ = new PosteriorModel(trained_model(prior_)); }
  static void TearDownTestSuite() { delete model_; }
  static inline const core::Prior prior_ = core::Prior::parse("uniform(-1,1)*2");
  static inline PosteriorModel* model_ = nullptr;
  const Eigen::Vector2d x_o{0.3, -0.2};
};

TEST_F(TruncatedPrior, DrawsLieInTheRegionAndAreUniformThereAsBruteForceRejectionGives) {
  TruncationOptions options;
  options.tail_mass = 0.01;  // 1% of 10^4 draws: a quantile this test can check
  const long n = 4000;
  const ProposalDraws p = truncated_prior_draws(*model_, x_o, prior_, n, options, 7);
  ASSERT_EQ(p.theta.cols(), n);
  EXPECT_NE(p.sampler.find("rejection from the prior"), std::string::npos) << p.sampler;
  const Eigen::VectorXd log_q = model_->log_prob(p.theta, x_o);
  for (long j = 0; j < n; ++j) {
    ASSERT_GE(log_q[j], p.log_q_threshold);
    ASSERT_TRUE(prior_.in_support(p.theta.col(j)));
  }
  // τ: about 1% of fresh q draws fall below it (binomial sd of 10^4 draws: 0.1%).
  core::Rng rng(99, 1);
  Eigen::VectorXd fresh_log_q;
  model_->draw(10000, x_o, &rng, &fresh_log_q);
  const double below = (fresh_log_q.array() < p.log_q_threshold).cast<double>().mean();
  EXPECT_NEAR(below, 0.01, 0.004);
  // Uniform over the region: the same mean and sd as prior draws kept by brute force.
  core::Rng brute_rng(5, 5);
  const Eigen::MatrixXd candidates = prior_.sample(200000, &brute_rng);
  const Eigen::VectorXd candidate_log_q = model_->log_prob(candidates, x_o);
  std::vector<Eigen::Index> kept;
  for (Eigen::Index j = 0; j < candidates.cols(); ++j)
    if (candidate_log_q[j] >= p.log_q_threshold) kept.push_back(j);
  const Eigen::MatrixXd brute = candidates(Eigen::all, kept);
  EXPECT_NEAR(p.acceptance, static_cast<double>(kept.size()) / candidates.cols(), 0.01);
  const Eigen::Vector2d mean = p.theta.rowwise().mean(), brute_mean = brute.rowwise().mean();
  const Eigen::Vector2d sd = ((p.theta.colwise() - mean).array().square().rowwise().mean()).sqrt();
  // Standard error of the mean of 4000 draws of sd ~0.3: 0.005; 5 of them.
  EXPECT_LT((mean - brute_mean).cwiseAbs().maxCoeff(), 0.025) << mean.transpose() << " vs " << brute_mean.transpose();
  const Eigen::Vector2d brute_sd = ((brute.colwise() - brute_mean).array().square().rowwise().mean()).sqrt();
  EXPECT_LT((sd - brute_sd).cwiseAbs().maxCoeff(), 0.02) << sd.transpose() << " vs " << brute_sd.transpose();
  // Reproducible for a seed.
  EXPECT_EQ(truncated_prior_draws(*model_, x_o, prior_, n, options, 7).theta, p.theta);

  // Importance resampling, forced by a floor above the acceptance, gives the same distribution.
  options.rejection_floor = 0.99;
  const ProposalDraws sir = truncated_prior_draws(*model_, x_o, prior_, n, options, 7);
  EXPECT_NE(sir.sampler.find("importance resampling"), std::string::npos) << sir.sampler;
  EXPECT_GT(sir.effective_sample_size, 1000);
  const Eigen::Vector2d sir_mean = sir.theta.rowwise().mean();
  const Eigen::Vector2d sir_sd = ((sir.theta.colwise() - sir_mean).array().square().rowwise().mean()).sqrt();
  EXPECT_LT((sir_mean - brute_mean).cwiseAbs().maxCoeff(), 0.03) << sir_mean.transpose();
  EXPECT_LT((sir_sd - brute_sd).cwiseAbs().maxCoeff(), 0.03) << sir_sd.transpose();
}

TEST_F(TruncatedPrior, AnObservationOutsideWhatThePriorPredictsIsAnError) {
  try {
    truncated_prior_draws(*model_, Eigen::Vector2d(40, -40), prior_, 100, TruncationOptions{}, 1);
    FAIL() << "no error";
  } catch (const core::Error& e) {
    EXPECT_NE(std::string(e.what()).find("outside what the prior predicts"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace sbi
