// p-values of the uniformity tests against closed forms and tabulated values, and the
// false-alarm rate of the rank tests on uniform ranks.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <vector>

#include "core/rng.h"
#include "sbi/uniformity_tests.h"

namespace sbi {
namespace {

// Birnbaum & Tingey (1951): for d >= 1/2, P(D_n >= d) = 2 P(D_n^+ >= d) with
// P(D_n^+ >= d) = d sum_{j=0}^{floor(n(1-d))} C(n, j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1).
double birnbaum_tingey_two_sided(long n, double d) {
  double s = 0;
  for (long j = 0; j <= static_cast<long>(std::floor(n * (1 - d) + 1e-12)); ++j) {
    const double a = 1 - d - static_cast<double>(j) / n;
    if (a <= 1e-15) continue;  // the term vanishes (0^(n-j), n - j > 0)
    const double log_c = std::lgamma(n + 1.0) - std::lgamma(j + 1.0) - std::lgamma(n - j + 1.0);
    s += std::exp(log_c + (n - j) * std::log(a) +
                  (j - 1) * std::log(d + static_cast<double>(j) / n));
  }
  return 2 * d * s;
}

TEST(Kolmogorov, OneSampleClosedForm) {
  // n = 1: D_1 = max(U, 1 - U), so P(D_1 >= d) = 2 - 2d on [1/2, 1] and 1 below.
  for (double d : {0.55, 0.7, 0.9, 0.99}) EXPECT_NEAR(kolmogorov_smirnov_p_value(1, d), 2 - 2 * d, 1e-12);
  EXPECT_DOUBLE_EQ(kolmogorov_smirnov_p_value(1, 0.3), 1.0);
  EXPECT_DOUBLE_EQ(kolmogorov_smirnov_p_value(10, 0.0), 1.0);
  EXPECT_NEAR(kolmogorov_smirnov_p_value(10, 1.0), 0.0, 1e-12);
}

TEST(Kolmogorov, MatchesBirnbaumTingeyForLargeD) {
  for (long n : {2L, 5L, 10L, 20L, 40L})
    for (double d : {0.5, 0.55, 0.6, 0.75}) {
      const double exact = birnbaum_tingey_two_sided(n, d);
      ASSERT_TRUE(std::isfinite(exact));
      // The library uses this closed form for d >= 1/2 (independently coded here) ...
      EXPECT_NEAR(kolmogorov_smirnov_p_value(n, d), exact, 1e-12 * exact) << "n=" << n << " d=" << d;
      // ... and the Marsaglia-Tsang-Wang matrix method must agree with it outside its
      // far-tail shortcut (n d^2 <= 7.24), where it is exact.
      if (n * d * d <= 7.24) {
        EXPECT_NEAR(1 - kolmogorov_cdf_exact(n, d), exact, 1e-10) << "n=" << n << " d=" << d;
      }
    }
  // Miller's (1956) table: the two-sided 5 % critical value for n = 5 is 0.56328.
  EXPECT_NEAR(kolmogorov_smirnov_p_value(5, 0.56328), 0.05, 1e-5);
}

TEST(Kolmogorov, MatchesMonteCarloForSmallD) {
  // 200000 samples of D_10: the tail probability estimate has sd <= 0.0011, so 5 sd = 0.0055.
  core::Rng rng(12);
  const long n = 10, reps = 200000;
  std::vector<double> ds(reps);
  std::vector<double> u(n);
  for (long r = 0; r < reps; ++r) {
    for (double& v : u) v = rng.uniform();
    std::sort(u.begin(), u.end());
    double d = 0;
    for (long i = 0; i < n; ++i)
      d = std::max({d, (i + 1.0) / n - u[i], u[i] - static_cast<double>(i) / n});
    ds[r] = d;
  }
  for (double d : {0.2, 0.3, 0.35, 0.41, 0.45}) {
    const double mc = static_cast<double>(std::count_if(ds.begin(), ds.end(), [&](double v) { return v >= d; })) / reps;
    EXPECT_NEAR(kolmogorov_smirnov_p_value(n, d), mc, 0.0055) << "d=" << d;
  }
}

TEST(Kolmogorov, AsymptoticAgreesWithExactAtLargeN) {
  // The series replaces the exact method above kKolmogorovExactMaxN = 5000; at n = 5000 it is
  // within 2e-3 (its largest error is at small lambda, i.e. p near 0.9, and shrinks roughly
  // like 1/sqrt(n): 8e-3 at n = 200, 3.8e-3 at n = 1000).
  for (long n : {5000L})
    for (double lambda : {0.6, 0.9, 1.2, 1.36, 1.63}) {
      const double d = lambda / std::sqrt(static_cast<double>(n));
      EXPECT_NEAR(kolmogorov_survival_asymptotic(n, d), 1 - kolmogorov_cdf_exact(n, d), 2e-3)
          << "n=" << n << " lambda=" << lambda;
    }
  // The limiting 5 % and 1 % points sqrt(n) D = 1.3581 and 1.6276 (Kolmogorov 1933).
  EXPECT_NEAR(kolmogorov_smirnov_p_value(1000000, 1.3581 / 1000), 0.05, 5e-4);
  EXPECT_NEAR(kolmogorov_smirnov_p_value(1000000, 1.6276 / 1000), 0.01, 2e-4);
}

TEST(ChiSquare, SurvivalMatchesClosedForms) {
  for (double x : {0.01, 0.5, 1.0, 3.0, 10.0, 40.0}) {
    // dof 1: erfc(sqrt(x/2)); dof 2: exp(-x/2); dof 4: exp(-x/2)(1 + x/2).
    EXPECT_NEAR(chi_square_survival(x, 1), std::erfc(std::sqrt(x / 2)), 1e-13 + 1e-12 * std::erfc(std::sqrt(x / 2)));
    EXPECT_NEAR(chi_square_survival(x, 2) / std::exp(-x / 2), 1.0, 1e-12);
    EXPECT_NEAR(chi_square_survival(x, 4) / (std::exp(-x / 2) * (1 + x / 2)), 1.0, 1e-12);
  }
  // Far tail keeps relative precision: dof 20, x = 200: e^-100 sum_{i<10} 100^i / i!.
  double s = 0, term = 1;
  for (int i = 0; i < 10; ++i) {
    s += term;
    term *= 100.0 / (i + 1);
  }
  EXPECT_NEAR(chi_square_survival(200, 20) / (std::exp(-100.0) * s), 1.0, 1e-10);
  EXPECT_DOUBLE_EQ(chi_square_survival(0, 3), 1.0);
}

TEST(ChiSquare, TabulatedCriticalValues) {
  // Upper-tail critical values (Abramowitz & Stegun table 26.8).
  EXPECT_NEAR(chi_square_survival(3.841459, 1), 0.05, 1e-6);
  EXPECT_NEAR(chi_square_survival(6.634897, 1), 0.01, 1e-6);
  EXPECT_NEAR(chi_square_survival(18.307038, 10), 0.05, 1e-6);
  EXPECT_NEAR(chi_square_survival(30.143527, 19), 0.05, 1e-6);
  EXPECT_NEAR(chi_square_survival(36.190869, 19), 0.01, 1e-6);
  EXPECT_NEAR(regularized_gamma_p(2.5, 1.3) + regularized_gamma_q(2.5, 1.3), 1.0, 1e-14);
}

TEST(Binomial, Quantiles) {
  // Binomial(10, 1/2): P(X <= 0) = 1/1024, P(X <= 1) = 11/1024, P(X <= 8) = 1013/1024.
  EXPECT_EQ(binomial_quantile(10, 0.5, 0.005), 1);
  EXPECT_EQ(binomial_quantile(10, 0.5, 0.995), 9);
  EXPECT_EQ(binomial_quantile(10, 0.5, 0.5), 5);
  EXPECT_EQ(binomial_quantile(10, 0.5, 1.0), 10);
  EXPECT_EQ(binomial_quantile(10, 0.0, 0.9), 0);
  EXPECT_EQ(binomial_quantile(10, 1.0, 0.1), 10);
  // Large n, normal approximation: N(1000, 30^2) 99.5 % point = 1000 + 2.5758 * 30 = 1077.3.
  const long q = binomial_quantile(10000, 0.1, 0.995);
  EXPECT_NEAR(static_cast<double>(q), 1077.3, 2.0);
}

TEST(RankTests, BinningAndExtremes) {
  // 11 rank values in 4 bins: edges floor(b * 11 / 4) = 0, 2, 5, 8, 11.
  const Eigen::VectorXd w = rank_bin_widths(10, 4);
  EXPECT_EQ(w, (Eigen::VectorXd(4) << 2, 3, 3, 3).finished());
  Eigen::VectorXi ranks(6);
  ranks << 0, 1, 2, 4, 5, 10;
  EXPECT_EQ(rank_bin_counts(ranks, 10, 4), (Eigen::VectorXd(4) << 2, 2, 1, 1).finished());
  // Perfectly uniform ranks: D = 0, p = 1; chi-square statistic 0.
  Eigen::VectorXi flat(22);
  for (int i = 0; i < 22; ++i) flat[i] = i % 11;
  EXPECT_NEAR(ks_uniform_ranks(flat, 10).statistic, 0.0, 1e-15);
  EXPECT_DOUBLE_EQ(ks_uniform_ranks(flat, 10).p_value, 1.0);
  EXPECT_NEAR(chi_square_uniform_ranks(flat, 10, 11).statistic, 0.0, 1e-12);
  // All ranks 0: D = 1 - 1/11.
  const Eigen::VectorXi zeros = Eigen::VectorXi::Zero(50);
  EXPECT_NEAR(ks_uniform_ranks(zeros, 10).statistic, 10.0 / 11, 1e-12);
  EXPECT_LT(ks_uniform_ranks(zeros, 10).p_value, 1e-20);
  EXPECT_THROW(ks_uniform_ranks((Eigen::VectorXi(1) << 11).finished(), 10), std::exception);
}

TEST(RankTests, FalseAlarmRateOnUniformRanks) {
  // 2000 data sets of 100 uniform ranks in {0..20}. KS with a discrete null is conservative,
  // so its 5 % false-alarm rate must not exceed 0.05 + 3 sd (sd = sqrt(.05 .95 / 2000) = .0049);
  // chi-square (7 bins of 3 values, 14.3 expected per bin) is close to nominal: 0.05 +- 3 sd.
  core::Rng rng(3);
  int ks_alarms = 0, chi_alarms = 0;
  const int sets = 2000;
  for (int s = 0; s < sets; ++s) {
    Eigen::VectorXi r(100);
    for (int i = 0; i < 100; ++i) r[i] = static_cast<int>(rng.below(21));
    ks_alarms += ks_uniform_ranks(r, 20).p_value < 0.05;
    chi_alarms += chi_square_uniform_ranks(r, 20, 7).p_value < 0.05;
  }
  EXPECT_LE(ks_alarms / static_cast<double>(sets), 0.05 + 3 * 0.0049);
  EXPECT_GT(ks_alarms / static_cast<double>(sets), 0.01);  // but not powerless
  EXPECT_NEAR(chi_alarms / static_cast<double>(sets), 0.05, 3 * 0.0049);
}

}  // namespace
}  // namespace sbi
