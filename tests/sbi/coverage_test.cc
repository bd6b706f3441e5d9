// Expected coverage of HPD regions on the Gaussian linear task (exact posterior known).
#include <gtest/gtest.h>

#include <cmath>

#include "sbi/calibration.h"
#include "sbi/coverage.h"
#include "simulators/registry.h"
#include "tests/sbi/analytic_posteriors.h"

namespace sbi {
namespace {

using testing::GaussianLinearPosterior;

constexpr long kN = 1000, kL = 200;

Eigen::VectorXi hpd_ranks_of(const PosteriorUnderTest& posterior, std::uint64_t seed) {
  const simulators::Task task = simulators::make_task("gaussian_linear", {{"dim", "2"}});
  CalibrationOptions options;
  options.num_simulations = kN;
  options.num_posterior_samples = kL;
  options.seed = seed;
  CalibrationSummary summary;
  return run_calibration(task.prior, *task.simulator, posterior, options, &summary).hpd_ranks;
}

TEST(Coverage, HpdRankAndDiscreteCoverage) {
  EXPECT_EQ(hpd_rank(-1.0, (Eigen::VectorXd(4) << -3, -0.5, -1.5, 0.2).finished()), 2);
  // Exactly uniform ranks 0..L cover ceil(alpha (L+1)) / (L+1) at level alpha.
  Eigen::VectorXi r(11);
  for (int i = 0; i <= 10; ++i) r[i] = i;
  EXPECT_NEAR(empirical_coverage(r, 10, 0.5), 6.0 / 11, 1e-12);
  EXPECT_NEAR(empirical_coverage(r, 10, 0.0), 0.0, 1e-12);
  EXPECT_NEAR(empirical_coverage(r, 10, 1.0), 1.0, 1e-12);
}

TEST(Coverage, ExactPosteriorIsCalibrated) {
  // N = 1000 pairs, L = 200 draws. At level a the covered count is Binomial(N, c(a)) with
  // c(a) = ceil(a (L+1)) / (L+1) in [a, a + 1/(L+1)); sd = sqrt(a (1-a) / N) <= 0.016. Each
  // check at 3 sd fails by chance with probability 0.27 %, the three together < 1 %; the KS
  // test fails by chance with probability <= 1 %. (Seed 21 is such a 1-in-100 event: KS
  // p = 0.008 there; over seeds 1..30 the KS p-values spread uniformly over (0, 1).)
  const GaussianLinearPosterior exact(2);
  const Eigen::VectorXi ranks = hpd_ranks_of(exact, 22);
  for (double a : {0.5, 0.9, 0.95}) {
    const double sd = std::sqrt(a * (1 - a) / kN);
    const double c = std::ceil(a * (kL + 1)) / (kL + 1);
    EXPECT_NEAR(empirical_coverage(ranks, kL, a), c, 3 * sd) << "level " << a;
  }
  const CoverageCurve curve = expected_coverage(ranks, kL);
  EXPECT_TRUE(curve.passes(0.01)) << "KS p = " << curve.ks.p_value;
  ASSERT_EQ(curve.levels.size(), 101);
  EXPECT_DOUBLE_EQ(curve.coverage[0], 0.0);
  EXPECT_DOUBLE_EQ(curve.coverage[100], 1.0);
  for (int k = 1; k < 101; ++k) EXPECT_GE(curve.coverage[k], curve.coverage[k - 1]);
  // The 99 % band holds the curve at (almost) every level: the curve is one ECDF, so at most a
  // few neighbouring levels may leave it together by chance.
  int outside = 0;
  for (int k = 0; k < 101; ++k)
    outside += curve.coverage[k] < curve.band_lower[k] - 1e-12 || curve.coverage[k] > curve.band_upper[k] + 1e-12;
  EXPECT_LE(outside, 5);
}

TEST(Coverage, OverconfidentAndBiasedPosteriorsUndercover) {
  // Overconfident (sd / 2): in 2-D the exact 90 % HPD region of the narrow posterior holds
  // P(chi2_2 < 4.6 / 4) = 44 % of the true posterior: coverage ~0.44 at level 0.9, 28 sd
  // below. Biased by 1 sd per parameter: |z + (1,1)|^2 is noncentral chi2_2(2): coverage at 0.9
  // ~0.72, 11 sd below. Chance passes of either are of order 1e-30.
  const GaussianLinearPosterior over(2, 0.1, 0.1, 0.5);
  const GaussianLinearPosterior biased(2, 0.1, 0.1, 1.0, 1.0);
  for (const PosteriorUnderTest* q : {static_cast<const PosteriorUnderTest*>(&over),
                                      static_cast<const PosteriorUnderTest*>(&biased)}) {
    const Eigen::VectorXi ranks = hpd_ranks_of(*q, 21);
    const CoverageCurve curve = expected_coverage(ranks, kL);
    EXPECT_FALSE(curve.passes(0.01));
    EXPECT_LT(curve.ks.p_value, 1e-10);
    EXPECT_LT(empirical_coverage(ranks, kL, 0.9), 0.9 - 10 * std::sqrt(0.09 / kN));
  }
  // Underconfident (sd x 2) overcovers: at level 0.5 the wide region holds ~1 - exp(-4 ln2/2)...
  // well above 0.5.
  const GaussianLinearPosterior under(2, 0.1, 0.1, 2.0);
  EXPECT_GT(empirical_coverage(hpd_ranks_of(under, 21), kL, 0.5), 0.8);
}

TEST(Coverage, RejectsBadOptions) {
  CoverageOptions o;
  o.num_levels = 1;
  std::string error;
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("num_levels"), std::string::npos);
  EXPECT_THROW(expected_coverage(Eigen::VectorXi::Constant(3, 11), 10), std::exception);
}

}  // namespace
}  // namespace sbi
