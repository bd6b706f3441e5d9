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
#include "tests/sbi/small_models.h"
#include "testing/random_matrix.h"
#include "testing/thread_count.h"

namespace sbi {
namespace {

TEST(AtomicNpe, GradientMatchesFiniteDifferences) {
  PosteriorModel model = testing::small_gradient_test_model(8, 1);
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
// N((1, 1), 0.5² I). At x_o = (1, 1), where the pairs are dense, the posterior under the prior
// has mean 0.8 and sd sqrt(0.25 / 1.25) = 0.447 per parameter; under the proposal (what plain
// NPE on these pairs learns) mean 1.0 and sd 0.354. Far from the pairs both fits extrapolate:
// at x_o = 0 (exact mean 0), SNPE-C read 0.02-0.14 over 3 seeds, so the test stays where the
// data are. Bounds: a quarter of the gap between the two answers (0.2 in the mean, 0.09 in the
// sd); measured errors over 2 seeds and 1 or 2 shards: at most 0.02 and 0.01.
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
  const Eigen::Vector2d x_o(1.0, 1.0);
  const auto moments = [&](const PosteriorModel& m) {
    const Eigen::MatrixXd t = sample_posterior(m, x_o, draws, &ss).theta;
    const Eigen::Vector2d mean = t.rowwise().mean();
    const Eigen::Vector2d sd = ((t.colwise() - mean).array().square().rowwise().mean()).sqrt();
    return std::make_pair(mean, sd);
  };

  PosteriorModel atomic = testing::small_gradient_test_model(32, 2);
  TrainSummary summary;
  {
    testing::ThreadCount two(2);
    TrainOptions sharded = options;
    sharded.shards = 2;  // each shard's pairs draw their atoms from their own shard
    train_atomic(sharded, theta, x, prior, 10, &atomic, &summary);
  }
  const auto [a_mean, a_sd] = moments(atomic);

  PosteriorModel plain = testing::small_gradient_test_model(32, 2);
  train(options, theta, x, &plain, &summary);
  const auto [p_mean, p_sd] = moments(plain);

  for (int d = 0; d < 2; ++d) {
    EXPECT_NEAR(a_mean[d], 0.8, 0.05) << "SNPE-C, parameter " << d;
    EXPECT_NEAR(a_sd[d], 0.447, 0.023) << "SNPE-C, parameter " << d;
    EXPECT_NEAR(p_mean[d], 1.0, 0.05) << "plain NPE, parameter " << d;
    EXPECT_NEAR(p_sd[d], 0.354, 0.023) << "plain NPE, parameter " << d;
  }
}

// Data-parallel SNPE-C: for a given shard count the weights do not depend on the threads (each
// shard has its own atom stream, gradients are summed in shard order); shards of a single pair
// draw their atoms from all pairs.
TEST(AtomicNpe, ShardedTrainingDependsOnTheShardsNotOnTheThreads) {
  const long n = 600;
  const Eigen::MatrixXd theta = testing::standard_normal_matrix(2, n, 1);
  const Eigen::MatrixXd x = theta + 0.5 * testing::standard_normal_matrix(2, n, 2);
  const core::Prior prior = core::Prior::normal(Eigen::Vector2d::Zero(), Eigen::Vector2d::Ones());
  TrainOptions options;
  options.max_epochs = 3;
  options.seed = 5;
  options.shards = 2;
  auto trained = [&](int threads, const TrainOptions& o) {
    testing::ThreadCount count(threads);
    PosteriorModel m = testing::small_gradient_test_model(16, 2);
    TrainSummary summary;
    train_atomic(o, theta, x, prior, 5, &m, &summary);
    EXPECT_EQ(summary.shards, o.shards);
    return nn::flatten_values(m.parameters());
  };
  const Eigen::VectorXd one = trained(1, options), two = trained(2, options);
  EXPECT_EQ(one, two);
  TrainOptions unsharded = options;
  unsharded.shards = 1;
  EXPECT_NE(trained(1, unsharded), one);
  TrainOptions singles = options;
  singles.batch_size = 3;
  singles.shards = 3;
  singles.max_epochs = 1;
  EXPECT_TRUE(trained(2, singles).allFinite());
}

}  // namespace
}  // namespace sbi
