// Simulation-based calibration on the Gaussian linear task, whose posterior is known exactly:
// the exact posterior passes, an overconfident one (covariance shrunk by 4) and a biased one
// (mean shifted by one posterior standard deviation) fail.
#include <gtest/gtest.h>

#include "sbi/calibration.h"
#include "sbi/sbc.h"
#include "simulators/gaussian_linear.h"
#include "simulators/registry.h"
#include "tests/sbi/analytic_posteriors.h"

namespace sbi {
namespace {

using testing::GaussianLinearPosterior;

constexpr int kDim = 2;

CalibrationRun calibrate(const PosteriorUnderTest& posterior, long n, long l, std::uint64_t seed,
                         int threads = 0) {
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  CalibrationOptions options;
  options.num_simulations = n;
  options.num_posterior_samples = l;
  options.seed = seed;
  options.threads = threads;
  CalibrationSummary summary;
  CalibrationRun run = run_calibration(task.prior, *task.simulator, posterior, options, &summary);
  EXPECT_EQ(summary.num_simulations, n);
  return run;
}

TEST(Sbc, RanksCountDrawsBelowTheTruth) {
  Eigen::MatrixXd samples(2, 5);
  samples << 0.1, 0.5, -1.0, 2.0, 0.3,  //
      5.0, 6.0, 7.0, 8.0, 9.0;
  const Eigen::VectorXi r = sbc_ranks(Eigen::Vector2d(0.4, 4.0), samples);
  EXPECT_EQ(r[0], 3);
  EXPECT_EQ(r[1], 0);
  EXPECT_EQ(default_sbc_bins(1000, 1000), 50);
  EXPECT_EQ(default_sbc_bins(300, 1000), 15);
  EXPECT_EQ(default_sbc_bins(1000, 9), 10);
}

TEST(Sbc, ExactPosteriorPasses) {
  // N = 500 pairs, L = 200 draws. The combined p-value is Bonferroni over 2 x 2 tests, so under
  // the exact posterior P(combined < 0.01) <= 1 %: with this fixed seed, a failure here would be
  // a 1-in-100 (or rarer) event, not noise to tolerate.
  const GaussianLinearPosterior exact(kDim);
  const CalibrationRun run = calibrate(exact, 500, 200, 11);
  const SbcResult sbc = sbc_test(run.sbc_ranks, run.num_posterior_samples);
  EXPECT_TRUE(sbc.passes(0.01)) << "combined p = " << sbc.combined_p_value;
  ASSERT_EQ(sbc.dimensions.size(), 2u);
  EXPECT_EQ(sbc.num_bins, 25);
  for (const SbcDimension& d : sbc.dimensions) {
    EXPECT_DOUBLE_EQ(d.bin_counts.sum(), 500.0);
    EXPECT_EQ(d.chi_square.dof, 24);
  }
}

TEST(Sbc, OverconfidentPosteriorFails) {
  // Posterior sd halved (covariance / 4): a fraction 2 Phi(-2) ~ 4.6 % of true values fall
  // outside the whole range of a perfect sd... in rank terms, ~38 % of ranks land in the outer
  // 10 % of the range instead of 10 %; KS D ~ 0.16 for N = 500, p ~ 1e-11. Passing by chance
  // is of that order.
  const GaussianLinearPosterior over(kDim, 0.1, 0.1, /*sd_factor=*/0.5);
  const CalibrationRun run = calibrate(over, 500, 200, 11);
  const SbcResult sbc = sbc_test(run.sbc_ranks, run.num_posterior_samples);
  EXPECT_FALSE(sbc.passes(0.01));
  EXPECT_LT(sbc.combined_p_value, 1e-6);
  // U shape: both outer bins are over-full.
  for (const SbcDimension& d : sbc.dimensions) {
    const double expected = 500.0 * sbc.bin_widths[0] / 201;
    EXPECT_GT(d.bin_counts[0], 2 * expected);
    EXPECT_GT(d.bin_counts[sbc.num_bins - 1], 2 * expected);
  }
}

TEST(Sbc, BiasedPosteriorFails) {
  // Mean shifted by +1 sd: the rank of theta* is ~ Phi(z - 1), whose CDF departs from uniform by
  // up to D = 2 Phi(1/2) - 1 = 0.38; with N = 500 the KS p-value is ~1e-60.
  const GaussianLinearPosterior biased(kDim, 0.1, 0.1, 1.0, /*shift_sd=*/1.0);
  const CalibrationRun run = calibrate(biased, 500, 200, 11);
  const SbcResult sbc = sbc_test(run.sbc_ranks, run.num_posterior_samples);
  EXPECT_FALSE(sbc.passes(0.01));
  EXPECT_LT(sbc.combined_p_value, 1e-10);
  // Draws sit above theta*: ranks pile up at 0.
  for (const SbcDimension& d : sbc.dimensions) EXPECT_GT(d.ks.statistic, 0.25);
}

TEST(Sbc, ResultDoesNotDependOnThreadCount) {
  const GaussianLinearPosterior exact(kDim);
  const CalibrationRun one = calibrate(exact, 64, 50, 3, 1);
  const CalibrationRun two = calibrate(exact, 64, 50, 3, 2);
  EXPECT_EQ(one.sbc_ranks, two.sbc_ranks);
  EXPECT_EQ(one.hpd_ranks, two.hpd_ranks);
  EXPECT_EQ(one.tarp_counts, two.tarp_counts);
  EXPECT_EQ(one.theta, two.theta);
}

TEST(Sbc, ModelPosteriorRejectsDrawsOutsideThePrior) {
  // gaussian_linear_uniform with bound 1 and noise variance 0.25: the exact posterior is
  // N(x, 0.25 I) truncated to the box (flat prior); sd 0.5 against a box of half-width 1
  // truncates heavily. A PosteriorModel carrying the untruncated Gaussian, seen through
  // ModelPosterior with prior rejection, is the exact posterior: SBC passes (false alarms
  // <= 1 %) and every draw lies in the box. (Without the rejection SBC would pass as well:
  // theta* - x is N(0, 0.25) whatever the truncation, so the marginal ranks of this location
  // family stay uniform -- a known blind spot of rank statistics, not tested here.)
  const simulators::Task task = simulators::make_task(
      "gaussian_linear_uniform", {{"dim", "2"}, {"prior_bound", "1"}, {"noise_var", "0.25"}});
  const PosteriorModel model = testing::gaussian_model(2, 1.0, 0.0, 0.5, task.prior);
  const ModelPosterior restricted(model, true);
  CalibrationOptions options;
  options.num_simulations = 400;
  options.num_posterior_samples = 100;
  options.seed = 4;
  CalibrationSummary summary;
  const CalibrationRun run = run_calibration(task.prior, *task.simulator, restricted, options, &summary);
  EXPECT_TRUE(sbc_test(run.sbc_ranks, 100).passes(0.01));
  core::Rng rng(9);
  Eigen::VectorXd lp;
  const Eigen::Vector2d x_far(1.8, -0.2);  // half the untruncated mass lies outside in dim 0
  const Eigen::MatrixXd draws = restricted.sample(2000, x_far, &rng, &lp);
  ASSERT_EQ(draws.cols(), 2000);
  for (Eigen::Index j = 0; j < draws.cols(); ++j) ASSERT_TRUE(task.prior.in_support(draws.col(j)));
  EXPECT_EQ(lp, model.log_prob(draws, x_far));
  const ModelPosterior unrestricted(model, false);
  const Eigen::MatrixXd raw = unrestricted.sample(2000, x_far, &rng, nullptr);
  EXPECT_GT((raw.row(0).array() > 1.0).count(), 1500);  // P(N(1.8, 0.25) > 1) = 0.95
}

TEST(Sbc, RejectsBadInput) {
  const GaussianLinearPosterior exact(3);  // 3 parameters, task has 2
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  CalibrationOptions options;
  options.num_simulations = 4;
  options.num_posterior_samples = 4;
  CalibrationSummary summary;
  EXPECT_THROW(run_calibration(task.prior, *task.simulator, exact, options, &summary), std::exception);
  options.num_simulations = 0;
  std::string error;
  EXPECT_FALSE(options.is_valid(&error));
  EXPECT_NE(error.find("num_simulations"), std::string::npos);
  SbcOptions sbc_options;
  sbc_options.num_bins = 1;
  EXPECT_FALSE(sbc_options.is_valid(&error));
}

}  // namespace
}  // namespace sbi
