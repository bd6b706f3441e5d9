// TARP expected coverage on the Gaussian linear task (exact posterior known).
#include <gtest/gtest.h>

#include <cmath>

#include "sbi/calibration.h"
#include "sbi/tarp.h"
#include "simulators/registry.h"
#include "tests/sbi/analytic_posteriors.h"

namespace sbi {
namespace {

using testing::GaussianLinearPosterior;

TarpResult tarp_of(const PosteriorUnderTest& posterior, TarpReference reference, std::uint64_t seed) {
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  CalibrationOptions options;
  options.num_simulations = 1000;
  options.num_posterior_samples = 200;
  options.seed = seed;
  options.tarp_reference = reference;
  CalibrationSummary summary;
  const CalibrationRun run = run_calibration(task.prior, *task.simulator, posterior, options, &summary);
  return tarp_test(run.tarp_counts, run.num_posterior_samples);
}

TEST(Tarp, CountsAndScales) {
  Eigen::MatrixXd samples(2, 4);
  samples << 0, 1, 3, 0.5,  //
      0, 0, 0, 0;
  // Reference at the origin, theta* at distance 2 (with scale 1): draws at 0, 1, 0.5 are closer.
  EXPECT_EQ(tarp_count(Eigen::Vector2d(2, 0), samples, Eigen::Vector2d::Zero(), Eigen::Vector2d::Ones()), 3);
  // Scaling the first parameter by 10 changes nothing here (all on one axis) ...
  EXPECT_EQ(tarp_count(Eigen::Vector2d(2, 0), samples, Eigen::Vector2d::Zero(), Eigen::Vector2d(10, 1)), 3);
  // ... but matters off-axis: theta* = (0, 0.8) with scales (10, 1) is at distance 0.8,
  // the draws at 0, 0.1, 0.3, 0.05.
  EXPECT_EQ(tarp_count(Eigen::Vector2d(0, 0.8), samples, Eigen::Vector2d::Zero(), Eigen::Vector2d(10, 1)), 4);
  const core::Prior prior = core::Prior::parse("uniform(-1,1), normal(0,0.5), lognormal(0,1)");
  const Eigen::VectorXd s = prior_scale(prior);
  EXPECT_NEAR(s[0], 2 / std::sqrt(12.0), 1e-12);
  EXPECT_NEAR(s[1], 0.5, 1e-12);
  EXPECT_NEAR(s[2], std::sqrt((std::exp(1.0) - 1) * std::exp(1.0)), 1e-12);
  EXPECT_EQ(parse_tarp_reference("box"), TarpReference::kSampleBox);
  EXPECT_THROW(parse_tarp_reference("grid"), std::exception);
}

TEST(Tarp, ExactPosteriorIsCalibratedForBothReferences) {
  // Under the exact posterior the counts are uniform on {0..L} (Lemos et al. 2023, Thm. 3);
  // the KS test at 1 % fails by chance with probability <= 1 % for each reference.
  const GaussianLinearPosterior exact(2);
  for (TarpReference r : {TarpReference::kPrior, TarpReference::kSampleBox}) {
    const TarpResult t = tarp_of(exact, r, 31);
    EXPECT_TRUE(t.passes(0.01)) << tarp_reference_name(r) << " KS p = " << t.ks.p_value;
    // ECP within 3 binomial sd (0.016 at 0.5) + the 1/(L+1) discretisation of the diagonal.
    EXPECT_LT(t.max_deviation, 0.055) << tarp_reference_name(r);
  }
}

TEST(Tarp, OverconfidentPosteriorFails) {
  // sd / 2: theta* lies outside most of the narrow draws' ball around the reference far more
  // often than it should; the ECP curve is far from the diagonal (observed max deviation
  // ~0.2 with prior references), KS p ~1e-30.
  const GaussianLinearPosterior over(2, 0.1, 0.1, 0.5);
  for (TarpReference r : {TarpReference::kPrior, TarpReference::kSampleBox}) {
    const TarpResult t = tarp_of(over, r, 31);
    EXPECT_FALSE(t.passes(0.01)) << tarp_reference_name(r);
    EXPECT_LT(t.ks.p_value, 1e-6) << tarp_reference_name(r);
  }
}

TEST(Tarp, BiasedPosteriorFails) {
  // Mean shifted by 1 sd in both parameters; with references from the prior the shift shows
  // up as a skewed ECP curve (KS p ~1e-8 or smaller).
  const GaussianLinearPosterior biased(2, 0.1, 0.1, 1.0, 1.0);
  const TarpResult t = tarp_of(biased, TarpReference::kPrior, 31);
  EXPECT_FALSE(t.passes(0.01));
}

}  // namespace
}  // namespace sbi
