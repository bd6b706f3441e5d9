// Posterior predictive checks on the Gaussian linear task: the predictive distribution of the
// exact posterior is N(mean, (post var + noise var) I), known in closed form.
#include <gtest/gtest.h>

#include <cmath>

#include "sbi/predictive_check.h"
#include "simulators/registry.h"
#include "tests/sbi/analytic_posteriors.h"

namespace sbi {
namespace {

using testing::GaussianLinearPosterior;

TEST(PredictiveCheck, MatchesTheClosedFormPredictive) {
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "3"}});
  const GaussianLinearPosterior exact(3);
  // An observation simulated at a prior draw.
  core::Rng rng(5);
  Eigen::VectorXd theta(3), x(3);
  task.prior.sample(&rng, theta);
  task.simulator->simulate(theta, &rng, x);
  PredictiveCheckOptions o;
  o.num_samples = 4000;
  o.seed = 8;
  const PredictiveCheckResult r = predictive_check(exact, *task.simulator, x, o);
  ASSERT_EQ(r.replicates.cols(), 4000);
  // Predictive mean x/2 and sd sqrt(0.05 + 0.1) = 0.387: sampling error of the mean with
  // 4000 draws is 0.006 (4 sd = 0.025); of the sd ~0.0043 (4 sd = 0.018).
  for (int d = 0; d < 3; ++d) {
    EXPECT_NEAR(r.predictive_mean[d], 0.5 * x[d], 0.025);
    EXPECT_NEAR(r.predictive_std[d], std::sqrt(0.15), 0.018);
    // p_upper = P(N(x/2, 0.15) > x) = Phi(-x / (2 sqrt(0.15))), within 4 binomial sd (<= 0.032).
    const double p = 0.5 * std::erfc((0.5 * x[d] / std::sqrt(0.15)) / std::sqrt(2.0));
    EXPECT_NEAR(r.p_upper[d], p, 0.032);
  }
  // Under the model, predictive p-values are conservative (Meng 1994): the combined p-value at
  // 1 % fails by chance with probability < 1 %.
  EXPECT_TRUE(r.passes(0.01)) << r.combined_p_value;
}

TEST(PredictiveCheck, FlagsAPosteriorThatCannotReproduceTheData) {
  // A posterior shifted by 8 posterior sd (1.8 in theta): replicates centre 1.8 above the data,
  // 4.6 predictive sd; p ~ 1e-5 per dimension.
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  const GaussianLinearPosterior shifted(2, 0.1, 0.1, 1.0, 8.0);
  const Eigen::Vector2d x(0.1, -0.2);
  PredictiveCheckOptions o;
  o.num_samples = 2000;
  const PredictiveCheckResult r = predictive_check(shifted, *task.simulator, x, o);
  EXPECT_FALSE(r.passes(0.01));
  // Replicates lie above the data: P(x_rep > x_obs) ~ 1, two-sided p ~ 0.
  EXPECT_GT(r.p_upper.minCoeff(), 0.99);
  EXPECT_LT(r.p_value.maxCoeff(), 0.02);
}

TEST(PredictiveCheck, IndependentOfThreadCountAndChecksInput) {
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  const GaussianLinearPosterior exact(2);
  PredictiveCheckOptions o;
  o.num_samples = 300;
  o.threads = 1;
  const Eigen::Vector2d x(0.3, 0.1);
  const PredictiveCheckResult one = predictive_check(exact, *task.simulator, x, o);
  o.threads = 2;
  const PredictiveCheckResult two = predictive_check(exact, *task.simulator, x, o);
  EXPECT_EQ(one.replicates, two.replicates);
  EXPECT_THROW(predictive_check(exact, *task.simulator, Eigen::Vector3d(0, 0, 0), o), std::exception);
  o.num_samples = 1;
  std::string error;
  EXPECT_FALSE(o.is_valid(&error));
}

}  // namespace
}  // namespace sbi
