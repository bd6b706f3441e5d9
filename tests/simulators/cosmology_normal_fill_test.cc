// The ziggurat normal sampler: moments and a binned χ² against the normal distribution
// (tails included, so the slow path and the tail algorithm are exercised), reproducibility.
#include "core/normal_fill.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "simulators/cosmology/field_summaries.h"

namespace sbi::simulators::cosmology {
namespace {

double normal_cdf(double x) { return 0.5 * std::erfc(-x / std::sqrt(2.0)); }

TEST(CosmologyNormalFill, MomentsAndHistogramOfTwoMillionDraws) {
  const std::size_t n = 2000000;
  std::vector<double> z(n);
  core::Rng rng(2024, 1);
  core::fill_standard_normal(&rng, z.data(), n);
  // Sample moments of N iid N(0,1) draws have standard errors sqrt(1/N), sqrt(2/N), sqrt(6/N)
  // and sqrt(24/N) (mean, variance, skewness, excess kurtosis); bounds of 4 of them.
  const OnePointMoments m = one_point_moments(z.data(), n);
  const double dn = static_cast<double>(n);
  EXPECT_NEAR(m.mean, 0.0, 4 * std::sqrt(1 / dn));
  EXPECT_NEAR(m.variance, 1.0, 4 * std::sqrt(2 / dn));
  EXPECT_NEAR(m.skewness, 0.0, 4 * std::sqrt(6 / dn));
  EXPECT_NEAR(m.kurtosis, 0.0, 4 * std::sqrt(24 / dn));
  // Bins of width 0.25 on [-4.5, 4.5] plus the two tails (expected >= 6.8 counts each):
  // Pearson's χ² with B - 1 degrees of freedom; bound dof + 4 sqrt(2 dof).
  std::vector<double> edges = {-INFINITY};
  for (int i = 0; i <= 36; ++i) edges.push_back(-4.5 + 0.25 * i);
  edges.push_back(INFINITY);
  const int bins = static_cast<int>(edges.size()) - 1;
  std::vector<long> counts(bins, 0);
  for (double v : z) {
    int b = static_cast<int>(std::floor((v + 4.5) / 0.25)) + 1;
    if (v < -4.5) b = 0;
    if (v >= 4.5) b = bins - 1;
    ++counts[b];
  }
  double chi2 = 0;
  for (int b = 0; b < bins; ++b) {
    const double expected = dn * (normal_cdf(edges[b + 1]) - normal_cdf(edges[b]));
    chi2 += (counts[b] - expected) * (counts[b] - expected) / expected;
  }
  const int dof = bins - 1;
  std::printf("[ ziggurat: chi2 = %.1f for %d dof; beyond |z| > 4.5: %ld + %ld ]\n", chi2, dof,
              counts[0], counts[bins - 1]);
  EXPECT_LT(chi2, dof + 4 * std::sqrt(2.0 * dof));
}

TEST(CosmologyNormalFill, ReproducibleFromTheRng) {
  std::vector<double> a(1000), b(1000);
  core::Rng r1(7, 3), r2(7, 3), r3(7, 4);
  core::fill_standard_normal(&r1, a.data(), a.size());
  core::fill_standard_normal(&r2, b.data(), b.size());
  EXPECT_EQ(a, b);
  core::fill_standard_normal(&r3, b.data(), b.size());
  EXPECT_NE(a, b);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
