// z-scoring statistics: scale invariant over the whole double range, and a clear error for
// data whose statistics cannot be represented.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "core/error.h"
#include "core/rng.h"
#include "sbi/standardizer.h"

namespace sbi {
namespace {

Eigen::MatrixXd random_columns(int dim, int n) {
  core::Rng rng(3, 0);
  Eigen::MatrixXd v(dim, n);
  for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = 2.0 + rng.normal();
  return v;
}

std::string fit_error(const Eigen::MatrixXd& v, const core::DataShape& layout,
                      const FeatureNames& names) {
  try {
    Standardizer::fit(v, layout, names);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(Standardizer, StatisticsScaleWithTheDataFrom1eMinus300To1e300) {
  const Eigen::MatrixXd v = random_columns(3, 200);
  const Standardizer ref = Standardizer::fit(v);
  // A power of two scales exactly: identical statistics, bit for bit.
  const double two900 = std::ldexp(1.0, 900);
  const Standardizer p2 = Standardizer::fit(v * two900);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(p2.mean[i], two900 * ref.mean[i]) << i;
    EXPECT_EQ(p2.std[i], two900 * ref.std[i]) << i;
  }
  // 1e300 and 1e-300: squares would overflow / underflow (std = inf, or std = 0 taken as a
  // constant feature); the statistics must scale to within rounding (a few ulp).
  for (const double scale : {1e300, 1e-300}) {
    const Standardizer s = Standardizer::fit(v * scale);
    for (int i = 0; i < 3; ++i) {
      EXPECT_NEAR(s.mean[i] / scale, ref.mean[i], 1e-14 * std::abs(ref.mean[i])) << scale;
      EXPECT_NEAR(s.std[i] / scale, ref.std[i], 1e-14 * ref.std[i]) << scale;
    }
    // And so the standardised data agree.
    EXPECT_LT((s.apply(v * scale) - ref.apply(v)).cwiseAbs().maxCoeff(), 1e-13) << scale;
  }
}

TEST(Standardizer, SetStatisticsScaleWithTheData) {
  // Two sets of 3 rows of 2 features (median and MAD per feature).
  const core::DataShape layout = core::DataShape::set(3, 2, false);
  const Eigen::MatrixXd v = random_columns(6, 50);
  const Standardizer ref = Standardizer::fit(v, layout);
  const Standardizer s = Standardizer::fit(v * 1e300, layout);
  for (int i = 0; i < 6; ++i) {
    EXPECT_NEAR(s.mean[i] / 1e300, ref.mean[i], 1e-14 * std::abs(ref.mean[i]));
    EXPECT_NEAR(s.std[i] / 1e300, ref.std[i], 1e-14 * ref.std[i]);
  }
}

TEST(Standardizer, ConstantFeaturesKeepUnitScaleAtAnyMagnitude) {
  Eigen::MatrixXd v = random_columns(3, 20);
  v.row(0).setConstant(1e300);
  v.row(1).setConstant(0.0);
  v.row(2) *= 1e-20;  // not constant: a spread of 1e-20 on values of 2e-20
  const Standardizer s = Standardizer::fit(v);
  EXPECT_DOUBLE_EQ(s.mean[0], 1e300);
  EXPECT_EQ(s.std[0], 1.0);
  EXPECT_EQ(s.mean[1], 0.0);
  EXPECT_EQ(s.std[1], 1.0);
  EXPECT_NEAR(s.std[2] / 1e-20, Standardizer::fit(v.row(2) / 1e-20).std[0], 1e-12);
  EXPECT_GT(s.std[2], 1e-21);
}

TEST(Standardizer, UnrepresentableStatisticsNameTheFeatureAndTheRemedy) {
  // Values at +-1.7e308: the standard deviation (1.96e308) exceeds the largest double.
  Eigen::MatrixXd v = random_columns(2, 4);
  v.row(1) << -1.7e308, 1.7e308, -1.7e308, 1.7e308;
  const std::string message = fit_error(v, {}, {"x", {"x_a", "x_velocity"}});
  EXPECT_EQ(message,
            "Standardizer::fit: x feature 1 (x_velocity) has non-finite standardisation "
            "statistics (centre 0, scale inf, largest |value| 1.7e+308): its values are too large "
            "to standardise in double precision; rescale the data (e.g. change its units or take "
            "a logarithm)");
}

TEST(Standardizer, NonFiniteValuesAreNamed) {
  Eigen::MatrixXd v = random_columns(2, 5);
  v(0, 3) = std::numeric_limits<double>::quiet_NaN();
  EXPECT_EQ(fit_error(v, {}, {"theta", {"mass"}}),
            "Standardizer::fit: theta feature 0 (mass) has NaN in sample 3; drop or fix the "
            "non-finite simulations");
  v(0, 3) = 0;
  v(1, 4) = std::numeric_limits<double>::infinity();
  EXPECT_EQ(fit_error(v, {}, {"theta", {}}),
            "Standardizer::fit: theta feature 1 has Inf in sample 4; drop or fix the non-finite "
            "simulations");
}

}  // namespace
}  // namespace sbi
