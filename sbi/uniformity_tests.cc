#include "sbi/uniformity_tests.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "core/error.h"

namespace sbi {
namespace {

// C = A B for m x m row-major matrices.
void multiply(const std::vector<double>& a, const std::vector<double>& b, std::vector<double>* c,
              int m) {
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) {
      double s = 0;
      for (int k = 0; k < m; ++k) s += a[i * m + k] * b[k * m + j];
      (*c)[i * m + j] = s;
    }
}

// V * 10^eV = A^n (A carries exponent eA), rescaling to keep entries in range
// (Marsaglia, Tsang & Wang 2003, function mPower).
void matrix_power(const std::vector<double>& a, int ea, std::vector<double>* v, int* ev, int m,
                  long n) {
  if (n == 1) {
    *v = a;
    *ev = ea;
    return;
  }
  matrix_power(a, ea, v, ev, m, n / 2);
  std::vector<double> b(static_cast<size_t>(m) * m);
  multiply(*v, *v, &b, m);
  const int eb = 2 * (*ev);
  if (n % 2 == 0) {
    *v = b;
    *ev = eb;
  } else {
    multiply(a, b, v, m);
    *ev = ea + eb;
  }
  if ((*v)[(m / 2) * m + (m / 2)] > 1e140) {
    for (double& x : *v) x *= 1e-140;
    *ev += 140;
  }
}

void check_ranks(const Eigen::VectorXi& ranks, long max_rank, const char* function) {
  core::check(ranks.size() > 0, std::string(function) + ": no ranks");
  core::check(max_rank >= 1, std::string(function) + ": max_rank must be >= 1");
  for (Eigen::Index i = 0; i < ranks.size(); ++i)
    core::check(ranks[i] >= 0 && ranks[i] <= max_rank,
                std::string(function) + ": rank " + std::to_string(ranks[i]) + " at index " +
                    std::to_string(i) + " is outside [0, " + std::to_string(max_rank) + "]");
}

long bin_of(long rank, long max_rank, int num_bins) {
  // Inverse of the bin edges floor(b (L+1) / B): the largest b with edge(b) <= rank.
  long b = static_cast<long>((static_cast<double>(rank) * num_bins) / (max_rank + 1));
  auto edge = [&](long k) { return (k * (max_rank + 1)) / num_bins; };
  while (b + 1 < num_bins && edge(b + 1) <= rank) ++b;
  while (b > 0 && edge(b) > rank) --b;
  return b;
}

}  // namespace

double kolmogorov_cdf_exact(long n, double d) {
  core::check(n >= 1, "kolmogorov_cdf_exact: n must be >= 1");
  if (!(d > 0)) return 0.0;
  if (d >= 1) return 1.0;
  const double nd = static_cast<double>(n);
  const double s = d * d * nd;
  if (s > 7.24 || (s > 3.76 && n > 99))
    return 1 - 2 * std::exp(-(2.000071 + .331 / std::sqrt(nd) + 1.409 / nd) * s);
  const int k = static_cast<int>(nd * d) + 1;
  const int m = 2 * k - 1;
  const double h = k - nd * d;
  std::vector<double> hm(static_cast<size_t>(m) * m);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j) hm[i * m + j] = (i - j + 1 < 0) ? 0.0 : 1.0;
  for (int i = 0; i < m; ++i) {
    hm[i * m] -= std::pow(h, i + 1);
    hm[(m - 1) * m + i] -= std::pow(h, m - i);
  }
  hm[(m - 1) * m] += (2 * h - 1 > 0 ? std::pow(2 * h - 1, m) : 0.0);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < m; ++j)
      if (i - j + 1 > 0)
        for (int g = 1; g <= i - j + 1; ++g) hm[i * m + j] /= g;
  std::vector<double> q;
  int eq = 0;
  matrix_power(hm, 0, &q, &eq, m, n);
  double v = q[(k - 1) * m + k - 1];
  for (long i = 1; i <= n; ++i) {
    v = v * static_cast<double>(i) / nd;
    if (v < 1e-140) {
      v *= 1e140;
      eq -= 140;
    }
  }
  return v * std::pow(10.0, eq);
}

double kolmogorov_survival_asymptotic(long n, double d) {
  core::check(n >= 1, "kolmogorov_survival_asymptotic: n must be >= 1");
  if (!(d > 0)) return 1.0;
  const double rn = std::sqrt(static_cast<double>(n));
  const double lambda = (rn + 0.12 + 0.11 / rn) * d;
  if (lambda < 0.2) return 1.0;  // the series converges slowly there; its value is 1 - 1e-20
  double sum = 0, sign = 1;
  for (int k = 1; k <= 100; ++k) {
    const double term = std::exp(-2.0 * k * k * lambda * lambda);
    sum += sign * term;
    sign = -sign;
    if (term < 1e-18 * std::max(sum, 1e-300)) break;
  }
  return std::clamp(2 * sum, 0.0, 1.0);
}

double kolmogorov_survival_large_d(long n, double d) {
  core::check(n >= 1 && d >= 0.5, "kolmogorov_survival_large_d: need n >= 1 and d >= 1/2");
  if (d >= 1) return 0.0;
  const double nd = static_cast<double>(n);
  double s = 0;
  for (long j = 0; j <= static_cast<long>(std::floor(nd * (1 - d))); ++j) {
    const double a = std::max(0.0, 1 - d - j / nd);
    if (a == 0 && n - j > 0) continue;
    const double log_c = std::lgamma(nd + 1) - std::lgamma(j + 1.0) - std::lgamma(nd - j + 1);
    s += std::exp(log_c + (n - j) * std::log(a) + (j - 1) * std::log(d + j / nd));
  }
  return std::clamp(2 * d * s, 0.0, 1.0);
}

double kolmogorov_smirnov_p_value(long n, double d) {
  core::check(n >= 1, "kolmogorov_smirnov_p_value: n must be >= 1");
  d = std::clamp(d, 0.0, 1.0);
  if (d >= 0.5) return kolmogorov_survival_large_d(n, d);
  if (n <= kKolmogorovExactMaxN) {
    const double nd = static_cast<double>(n);
    const double s = d * d * nd;
    // In the far tail take the survival directly: 1 - K would lose its relative precision.
    if (s > 7.24 || (s > 3.76 && n > 99))
      return std::clamp(2 * std::exp(-(2.000071 + .331 / std::sqrt(nd) + 1.409 / nd) * s), 0.0, 1.0);
    return std::clamp(1.0 - kolmogorov_cdf_exact(n, d), 0.0, 1.0);
  }
  return kolmogorov_survival_asymptotic(n, d);
}

double regularized_gamma_p(double a, double x) {
  core::check(a > 0 && x >= 0, "regularized_gamma_p: need a > 0 and x >= 0");
  if (x == 0) return 0.0;
  if (x >= a + 1) return 1.0 - regularized_gamma_q(a, x);
  // Series (NR eq. 6.2.5): P(a, x) = e^-x x^a / Gamma(a+1) * sum_n x^n / ((a+1)...(a+n)).
  double ap = a, del = 1.0 / a, sum = del;
  for (int n = 0; n < 100000; ++n) {
    ap += 1;
    del *= x / ap;
    sum += del;
    if (std::fabs(del) < std::fabs(sum) * 1e-16) break;
  }
  return std::min(1.0, sum * std::exp(-x + a * std::log(x) - std::lgamma(a)));
}

double regularized_gamma_q(double a, double x) {
  core::check(a > 0 && x >= 0, "regularized_gamma_q: need a > 0 and x >= 0");
  if (x < a + 1) return 1.0 - regularized_gamma_p(a, x);
  // Continued fraction (NR eq. 6.2.7) by the modified Lentz method.
  constexpr double kTiny = 1e-300;
  double b = x + 1 - a, c = 1 / kTiny, d = 1 / b, h = d;
  for (int i = 1; i < 100000; ++i) {
    const double an = -i * (i - a);
    b += 2;
    d = an * d + b;
    if (std::fabs(d) < kTiny) d = kTiny;
    c = b + an / c;
    if (std::fabs(c) < kTiny) c = kTiny;
    d = 1 / d;
    const double del = d * c;
    h *= del;
    if (std::fabs(del - 1) < 1e-16) break;
  }
  return std::exp(-x + a * std::log(x) - std::lgamma(a)) * h;
}

double chi_square_survival(double x, double dof) {
  core::check(dof > 0, "chi_square_survival: dof must be > 0");
  if (!(x > 0)) return 1.0;
  return regularized_gamma_q(dof / 2, x / 2);
}

long binomial_quantile(long n, double p, double q) {
  core::check(n >= 0 && p >= 0 && p <= 1 && q >= 0 && q <= 1,
              "binomial_quantile: need n >= 0, p in [0, 1], q in [0, 1]");
  if (p == 0 || n == 0) return 0;
  if (p == 1) return n;
  const double lg_n = std::lgamma(n + 1.0), lp = std::log(p), lq = std::log1p(-p);
  double cdf = 0;
  for (long k = 0; k <= n; ++k) {
    cdf += std::exp(lg_n - std::lgamma(k + 1.0) - std::lgamma(n - k + 1.0) + k * lp + (n - k) * lq);
    if (cdf >= q * (1 - 1e-12)) return k;
  }
  return n;
}

Eigen::VectorXd rank_bin_widths(long max_rank, int num_bins) {
  core::check(num_bins >= 1 && num_bins <= max_rank + 1,
              "rank_bin_widths: num_bins = " + std::to_string(num_bins) + " must be in [1, " +
                  std::to_string(max_rank + 1) + "]");
  Eigen::VectorXd w(num_bins);
  for (long b = 0; b < num_bins; ++b)
    w[b] = static_cast<double>(((b + 1) * (max_rank + 1)) / num_bins - (b * (max_rank + 1)) / num_bins);
  return w;
}

Eigen::VectorXd rank_bin_counts(const Eigen::VectorXi& ranks, long max_rank, int num_bins) {
  check_ranks(ranks, max_rank, "rank_bin_counts");
  rank_bin_widths(max_rank, num_bins);  // validates num_bins
  Eigen::VectorXd c = Eigen::VectorXd::Zero(num_bins);
  for (Eigen::Index i = 0; i < ranks.size(); ++i) c[bin_of(ranks[i], max_rank, num_bins)] += 1;
  return c;
}

UniformityTest ks_uniform_ranks(const Eigen::VectorXi& ranks, long max_rank) {
  check_ranks(ranks, max_rank, "ks_uniform_ranks");
  std::vector<long> counts(max_rank + 1, 0);
  for (Eigen::Index i = 0; i < ranks.size(); ++i) ++counts[ranks[i]];
  const double n = static_cast<double>(ranks.size());
  double cum = 0, d = 0;
  for (long r = 0; r <= max_rank; ++r) {
    cum += counts[r];
    d = std::max(d, std::fabs(cum / n - static_cast<double>(r + 1) / (max_rank + 1)));
  }
  UniformityTest t;
  t.statistic = d;
  t.p_value = kolmogorov_smirnov_p_value(ranks.size(), d);
  return t;
}

UniformityTest chi_square_uniform_ranks(const Eigen::VectorXi& ranks, long max_rank, int num_bins) {
  core::check(num_bins >= 2, "chi_square_uniform_ranks: num_bins must be >= 2");
  const Eigen::VectorXd counts = rank_bin_counts(ranks, max_rank, num_bins);
  const Eigen::VectorXd expected =
      rank_bin_widths(max_rank, num_bins) * (static_cast<double>(ranks.size()) / (max_rank + 1));
  UniformityTest t;
  t.statistic = ((counts - expected).array().square() / expected.array()).sum();
  t.dof = num_bins - 1;
  t.p_value = chi_square_survival(t.statistic, t.dof);
  return t;
}

}  // namespace sbi
