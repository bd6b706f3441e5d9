// Tests of uniformity for calibration diagnostics, with their p-values computed here:
//
//   - the Kolmogorov distribution of D_n = sup |F_n - F| (Kolmogorov 1933), exactly for
//     n <= kKolmogorovExactMaxN by the matrix method of Marsaglia, Tsang & Wang (2003,
//     J. Stat. Softw. 8(18), "Evaluating Kolmogorov's distribution", eq. 1-2 and their
//     program K(n, d)), and beyond that by the asymptotic series
//     P(D_n > d) = 2 sum_{k>=1} (-1)^(k-1) exp(-2 k^2 lambda^2) with Stephens' (1970)
//     correction lambda = (sqrt(n) + 0.12 + 0.11 / sqrt(n)) d;
//   - the chi-square survival function Q(k/2, x/2), the regularised upper incomplete gamma
//     function, by its series or Lentz's continued fraction (Numerical Recipes 3rd ed.,
//     sec. 6.2, eq. 6.2.5 and 6.2.7);
//   - binomial quantiles, for the confidence bands of rank histograms (Talts et al. 2018,
//     sec. 4.1) and coverage curves.
//
// Calibration statistics are ranks: integers uniform on {0, ..., L} under the null. The
// tests below take them as such. The KS test then compares with the discrete uniform CDF
// and uses the continuous Kolmogorov distribution, which is conservative for a discrete
// null (Noether 1963): the false-alarm rate is at most the nominal level.
#pragma once

#include <Eigen/Core>

namespace sbi {

// Above this sample size the Kolmogorov p-value uses the Stephens-corrected series (the
// exact method costs O((n d)^3 log n), up to ~0.3 s at n = 5000; the series is within 3e-3
// of the exact value there, see the tests).
constexpr long kKolmogorovExactMaxN = 5000;

// P(D_n >= d) for the two-sided one-sample KS statistic of n i.i.d. draws from a continuous
// distribution. n >= 1, any d (clamped to [0, 1]). For d >= 1/2 the exact closed form of
// kolmogorov_survival_large_d; else MTW for n <= kKolmogorovExactMaxN (in its far tail
// their one-term approximation, accurate in absolute terms), else the Stephens series.
double kolmogorov_smirnov_p_value(long n, double d);

// Exact P(D_n >= d) for d >= 1/2 (Birnbaum & Tingey 1951, "One-sided confidence contours for
// probability distribution functions", Ann. Math. Stat. 22: there D_n^+ and D_n^- cannot both
// reach d, so P(D_n >= d) = 2 P(D_n^+ >= d) =
// 2 d sum_{j=0}^{floor(n(1-d))} C(n, j) (1 - d - j/n)^(n-j) (d + j/n)^(j-1)).
double kolmogorov_survival_large_d(long n, double d);

// P(D_n < d) by Marsaglia, Tsang & Wang (2003); exact to ~13 digits except in the far right
// tail (n d^2 > 7.24, or > 3.76 with n > 99), where their one-term approximation
// 1 - 2 exp(-(2.000071 + .331/sqrt(n) + 1.409/n) n d^2) is used, as in their program.
double kolmogorov_cdf_exact(long n, double d);

// The asymptotic Kolmogorov survival with Stephens' small-n correction (see above).
double kolmogorov_survival_asymptotic(long n, double d);

// Regularised lower and upper incomplete gamma functions P(a, x), Q(a, x) = 1 - P(a, x),
// a > 0, x >= 0. Q is computed directly (not as 1 - P) so small tail values keep their
// relative precision.
double regularized_gamma_p(double a, double x);
double regularized_gamma_q(double a, double x);

// P(X >= x) for X ~ chi-square with dof degrees of freedom: Q(dof/2, x/2).
double chi_square_survival(double x, double dof);

// Smallest k in {0..n} with P(X <= k) >= q for X ~ Binomial(n, p), 0 <= q <= 1.
long binomial_quantile(long n, double p, double q);

struct UniformityTest {
  double statistic = -1.0;  // -1 = not run
  double p_value = -1.0;
  double dof = 0.0;         // chi-square degrees of freedom (0 for KS)
};

// KS test of integer ranks against the discrete uniform distribution on {0, ..., max_rank}:
// D = max_r |F_n(r) - (r + 1) / (max_rank + 1)| over r, p-value from the Kolmogorov
// distribution with n = ranks.size(). Throws core::Error for empty input or ranks outside
// [0, max_rank].
UniformityTest ks_uniform_ranks(const Eigen::VectorXi& ranks, long max_rank);

// Pearson chi-square test of ranks in {0, ..., max_rank} grouped into num_bins contiguous
// bins (bin b holds ranks r with floor(b (max_rank+1) / B) <= r < floor((b+1)(max_rank+1)/B));
// expected counts are proportional to the number of rank values each bin holds;
// dof = num_bins - 1. 2 <= num_bins <= max_rank + 1.
UniformityTest chi_square_uniform_ranks(const Eigen::VectorXi& ranks, long max_rank, int num_bins);

// Counts of ranks per bin, binned as chi_square_uniform_ranks does (size num_bins).
Eigen::VectorXd rank_bin_counts(const Eigen::VectorXi& ranks, long max_rank, int num_bins);

// Number of rank values {0..max_rank} falling in each of the num_bins bins.
Eigen::VectorXd rank_bin_widths(long max_rank, int num_bins);

}  // namespace sbi
