// SNPE-C's atomic loss (sbi/atomic_npe.h): its gradient matches finite differences (atoms held
// fixed by restoring the objective's stream), and trained on pairs simulated from a proposal
// that is not the prior it recovers the posterior under the prior, where plain NPE on the same
// pairs learns the posterior under the proposal.
#include <gtest/gtest.h>

#include "core/prior.h"
#include "nn/gradient_check.h"
#include "sbi/atomic_npe.h"
#include "sbi/posterior_sampler.h"
#include "sbi/trainer.h"
#include "testing/random_matrix.h"

namespace sbi {
namespace {

PosteriorModel small_model(int hidden, std::uint64_t seed) {
  ModelOptions mo;
  mo.density = default_density_options(DensityKind::kRealNVP);
  mo.density.hidden = hidden;
  mo.density.transforms = 2;
  mo.density.layers = 1;
  mo.density.activation = nn::Activation::kTanh;  // smooth, for finite differences
  mo.embedding = EmbeddingKind::kMlp;
  mo.embedding_dim = 3;
  mo.embedding_hidden = 8;
  mo.embedding_layers = 1;
  mo.seed = seed;
  return PosteriorModel::create(mo, 2, 2);
}

TEST(AtomicNpe, GradientMatchesFiniteDifferences) {
  PosteriorModel model = small_model(8, 1);
  const Eigen::MatrixXd theta = testing::standard_normal_matrix(2, 12, 1), x = testing::standard_normal_matrix(2, 12, 2);
  const core::Prior prior = core::Prior::normal(Eigen::Vector2d::Zero(), Eigen::Vector2d::Ones());
  AtomicNpeObjective objective(&model, theta, x, prior.log_prob_batch(theta), theta, x, prior.log_prob_batch(theta), 4, 5);
  const nn::Parameters params = objective.parameters();
  const std::vector<long> batch = {0, 3, 5, 6, 8, 11};
  const std::vector<std::uint64_t> state = objective.carried_state();
  std::vector<double> terms;
  nn::zero_grad(params);
  const double at_loss = objective.loss_and_gradient(batch, &terms);
  EXPECT_GT(at_loss, 0);
  const nn::Vector analytic = nn::flatten_grads(params);
  auto loss = [&](const nn::Vector& w) {
    nn::unflatten_values(w, params);
    objective.set_carried_state(state);  // the same atoms
    std::vector<double> t;
    return objective.loss_and_gradient(batch, &t);
  };
  const nn::GradientCheckResult r = nn::check_gradient(loss, nn::flatten_values(params), analytic, 1e-6);
  EXPECT_TRUE(r.ok) << r.message;
}

// θ ~ N(0, I) (the prior), x = θ + 0.5 noise; the pairs simulated at θ from the proposal
// N((1, 1), 0.5² I). At x_o = 0 the posterior under the prior has mean 0 and sd
// sqrt(0.25 / 1.25) = 0.447 per parameter; under the proposal, mean 0.5 and sd 0.354.
TEST(AtomicNpe, RecoversThePosteriorUnderThePriorFromAnotherProposal) {
  const long n = 6000;
  const Eigen::MatrixXd theta = (0.5 * testing::standard_normal_matrix(2, n, 7)).array() + 1.0;
  const Eigen::MatrixXd x = theta + 0.5 * testing::standard_normal_matrix(2, n, 8);
  const core::Prior prior = core::Prior::normal(Eigen::Vector2d::Zero(), Eigen::Vector2d::Ones());
  TrainOptions options;
  options.max_epochs = 60;
  options.seed = 3;
  SampleOptions draws;
  draws.num_samples = 20000;
  draws.restrict_to_prior = false;
  SampleSummary ss;

  PosteriorModel atomic = small_model(32, 2);
  TrainSummary summary;
  train_atomic(options, theta, x, prior, 10, &atomic, &summary);
  const Eigen::MatrixXd a = sample_posterior(atomic, Eigen::Vector2d::Zero(), draws, &ss).theta;
  const Eigen::Vector2d a_mean = a.rowwise().mean();
  const Eigen::Vector2d a_sd = ((a.colwise() - a_mean).array().square().rowwise().mean()).sqrt();

  PosteriorModel plain = small_model(32, 2);
  train(options, theta, x, &plain, &summary);
  const Eigen::MatrixXd p = sample_posterior(plain, Eigen::Vector2d::Zero(), draws, &ss).theta;
  const Eigen::Vector2d p_mean = p.rowwise().mean();

  // x_o = 0 lies 2 proposal sd from the proposal's mean: both fits extrapolate somewhat, so
  // the bounds are a tenth of the gap (0.5) between the two answers.
  for (int d = 0; d < 2; ++d) {
    EXPECT_NEAR(a_mean[d], 0.0, 0.1) << "SNPE-C, parameter " << d;
    EXPECT_NEAR(a_sd[d], 0.447, 0.07) << "SNPE-C, parameter " << d;
    EXPECT_NEAR(p_mean[d], 0.5, 0.1) << "plain NPE, parameter " << d;
  }
}

}  // namespace
}  // namespace sbi
