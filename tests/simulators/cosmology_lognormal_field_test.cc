// Lognormal fields: zero mean and the prescribed variance within the sampling error, the
// bound δ >= -λ, and the input power spectrum recovered (the ξ_G = ln(1 + ξ) construction).
#include "simulators/cosmology/lognormal_field.h"

#include <gtest/gtest.h>

#include <cmath>

#include "simulators/cosmology/field_summaries.h"
#include "simulators/cosmology/power_spectrum.h"
#include "tests/simulators/cosmology_field_test_util.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

// Statistical tolerance: R independent realisations (streams (seed, r)); a per-realisation
// statistic (box mean, pixel second moment, binned power) averaged over them has standard error
// s / sqrt(R), s its sample standard deviation across realisations (central limit theorem
// across independent realisations — the lognormal field is not Gaussian, so the mode-count
// formula of the Gaussian test does not apply). Bounds are 4 standard errors: two-sided
// p ~ 6e-5 per check under the hypothesis, fixed seed.
constexpr double kSigmas = 4.0;

struct Stats {
  double mean = 0, se = 0;
};

Stats stats(const std::vector<double>& x) {
  double m = 0, v = 0;
  for (double a : x) m += a;
  m /= x.size();
  for (double a : x) v += (a - m) * (a - m);
  v /= (x.size() - 1);
  return {m, std::sqrt(v / x.size())};
}

class CosmologyLognormalField : public ::testing::Test {
 protected:
  CosmologyLognormalField() : power_(Cosmology{}) {
    grid_.dim = 3;
    grid_.n = 32;
    grid_.side = 128;  // 4 Mpc/h cells: σ ~ 1 at z = 0, strongly non-Gaussian
  }
  LinearPowerSpectrum power_;
  Grid grid_;
};

TEST_F(CosmologyLognormalField, MeanAndVarianceAsPrescribed) {
  const LognormalField field(grid_, [&](double k) { return power_(k); });
  const int realisations = 24;
  std::vector<double> means, second, minima;
  std::vector<double> map(grid_.cells());
  FftWorkspace work;
  double skew = 0;
  for (int r = 0; r < realisations; ++r) {
    core::Rng rng(5, r);
    field.sample(&rng, &work, map.data());
    double m = 0, s = 0, lo = 1e300;
    for (double v : map) m += v, s += v * v, lo = std::min(lo, v);
    means.push_back(m / map.size());
    second.push_back(s / map.size());  // about the true mean 0: unbiased for the variance
    minima.push_back(lo);
    skew += one_point_moments(map.data(), map.size()).skewness / realisations;
  }
  const Stats mean = stats(means), var = stats(second);
  std::printf("[ lognormal: mean %.2e ± %.1e; variance %.4f ± %.4f, field %.4f, target %.4f; "
              "clipped %.1e; skewness %.2f ]\n",
              mean.mean, mean.se, var.mean, var.se, field.variance(), field.target_variance(),
              field.clipped_fraction(), skew);
  EXPECT_NEAR(mean.mean, 0.0, kSigmas * mean.se);
  EXPECT_NEAR(var.mean, field.variance(), kSigmas * var.se);
  // The target variance ξ_0 is met up to the integral-constraint term (lognormal_field.h):
  // here σ² × (correlation volume / box volume) is below 1% (measured 0.08%).
  EXPECT_NEAR(field.variance() / field.target_variance(), 1.0, 0.01);
  EXPECT_GT(field.target_variance(), 0.5);  // the test is in the non-Gaussian regime
  for (double lo : minima) EXPECT_GE(lo, -1.0);
  EXPECT_GT(skew, 1.0);  // lognormal: skewness 3σ + σ³ for a one-point lognormal, ~3.8 here
}

TEST_F(CosmologyLognormalField, RecoversTheInputPowerSpectrum) {
  // Correlation matching on the grid gives the lognormal field the input P exactly in
  // expectation (less the clipped power, reported): each bin's realisation average must match
  // the mode-averaged input within 4 standard errors.
  const LognormalField field(grid_, [&](double k) { return power_(k); });
  std::vector<double> edges;
  for (int i = 0; i <= 8; ++i) edges.push_back(1 + 2.0 * i);
  const std::vector<int> bin = field_testing::bin_of_entries(grid_, edges);
  const std::vector<double> input = mode_power(grid_, [&](double k) { return power_(k); });
  const auto ex = field_testing::expected_bins(grid_, input, bin, 8);
  const int realisations = 24;
  std::vector<std::vector<double>> per_bin(8);
  std::vector<double> map(grid_.cells());
  FftWorkspace work, measure;
  for (int r = 0; r < realisations; ++r) {
    core::Rng rng(9, r);
    field.sample(&rng, &work, map.data());
    const auto b = field_testing::binned(grid_, field_testing::measured_power(grid_, map.data(), &measure), bin, ex);
    for (int i = 0; i < 8; ++i) per_bin[i].push_back(b[i]);
  }
  double worst = 0;
  for (int i = 0; i < 8; ++i) {
    const Stats s = stats(per_bin[i]);
    worst = std::max(worst, std::abs(s.mean - ex.mean[i]) / s.se);
    EXPECT_NEAR(s.mean, ex.mean[i], kSigmas * s.se) << "bin " << i;
  }
  std::printf("[ lognormal P(k): worst bin deviation %.2f standard errors ]\n", worst);
}

TEST_F(CosmologyLognormalField, RejectsImpossibleInputs) {
  EXPECT_NE(error_message([&] { LognormalField f(grid_, [&](double k) { return power_(k); }, 0.0); })
                .find("LognormalField: shift = 0"),
            std::string::npos);
  // A shift far below the field's rms leaves 1 + ξ / λ² <= 0 somewhere.
  EXPECT_NE(error_message([&] { LognormalField f(grid_, [&](double k) { return power_(k); }, 0.01); })
                .find("(no lognormal field has it)"),
            std::string::npos);
  Grid bad = grid_;
  bad.n = 6000;  // 6000³ cells need ~9 TB: refused before allocating
  EXPECT_NE(error_message([&] { LognormalField f(bad, [&](double k) { return power_(k); }); })
                .find("mode_index_squared: a 6000^3 grid needs"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
