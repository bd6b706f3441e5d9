#include "sbi/mcmc_diagnostics.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/error.h"
#include "core/normal_cdf.h"

namespace sbi {
namespace {

void check_chains(const std::vector<Eigen::VectorXd>& chains, const char* function) {
  core::check(!chains.empty(), std::string(function) + ": no chains");
  const Eigen::Index n = chains[0].size();
  core::check(n >= 4, std::string(function) + ": chains need at least 4 draws");
  for (const Eigen::VectorXd& c : chains) {
    core::check(c.size() == n, std::string(function) + ": chains of different lengths");
    core::check(c.allFinite(), std::string(function) + ": a NaN or infinite draw");
  }
}

// Each chain as two halves (the middle draw of an odd chain left out).
std::vector<Eigen::VectorXd> split(const std::vector<Eigen::VectorXd>& chains) {
  std::vector<Eigen::VectorXd> halves;
  const Eigen::Index half = chains[0].size() / 2;
  for (const Eigen::VectorXd& c : chains) {
    halves.push_back(c.head(half));
    halves.push_back(c.tail(half));
  }
  return halves;
}

double variance(const Eigen::VectorXd& v) {  // with the n - 1 denominator
  return (v.array() - v.mean()).square().sum() / static_cast<double>(v.size() - 1);
}

// W and var⁺ of chains of equal length.
void within_and_pooled(const std::vector<Eigen::VectorXd>& chains, double* w, double* var_plus) {
  const double n = static_cast<double>(chains[0].size());
  Eigen::VectorXd means(static_cast<Eigen::Index>(chains.size()));
  double within = 0;
  for (size_t j = 0; j < chains.size(); ++j) {
    means[static_cast<Eigen::Index>(j)] = chains[j].mean();
    within += variance(chains[j]);
  }
  within /= static_cast<double>(chains.size());
  const double between_over_n = chains.size() > 1 ? variance(means) : 0.0;  // B / n
  *w = within;
  *var_plus = (n - 1) / n * within + between_over_n;
}

// Autocovariance of v at lags 0..max_lag (1/n normalisation, as Stan's).
Eigen::VectorXd autocovariance(const Eigen::VectorXd& v, Eigen::Index max_lag) {
  const Eigen::Index n = v.size();
  const Eigen::VectorXd d = v.array() - v.mean();
  Eigen::VectorXd acov(max_lag + 1);
  for (Eigen::Index t = 0; t <= max_lag; ++t)
    acov[t] = d.head(n - t).dot(d.tail(n - t)) / static_cast<double>(n);
  return acov;
}

}  // namespace

std::vector<Eigen::VectorXd> rank_normalize(const std::vector<Eigen::VectorXd>& chains) {
  check_chains(chains, "rank_normalize");
  const Eigen::Index n = chains[0].size();
  const size_t total = chains.size() * static_cast<size_t>(n);
  std::vector<double> values(total);
  for (size_t j = 0; j < chains.size(); ++j)
    for (Eigen::Index i = 0; i < n; ++i) values[j * static_cast<size_t>(n) + static_cast<size_t>(i)] = chains[j][i];
  std::vector<size_t> order(total);
  std::iota(order.begin(), order.end(), size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) { return values[a] < values[b]; });
  std::vector<double> rank(total);
  for (size_t start = 0; start < total;) {  // ties share their average rank (1-based)
    size_t end = start + 1;
    while (end < total && values[order[end]] == values[order[start]]) ++end;
    const double average = 0.5 * static_cast<double>(start + 1 + end);
    for (size_t k = start; k < end; ++k) rank[order[k]] = average;
    start = end;
  }
  std::vector<Eigen::VectorXd> out(chains.size(), Eigen::VectorXd(n));
  const double s = static_cast<double>(total);
  for (size_t j = 0; j < chains.size(); ++j)
    for (Eigen::Index i = 0; i < n; ++i)
      out[j][i] = core::normal_quantile((rank[j * static_cast<size_t>(n) + static_cast<size_t>(i)] - 0.375) / (s + 0.25));
  return out;
}

double split_rhat(const std::vector<Eigen::VectorXd>& chains) {
  check_chains(chains, "split_rhat");
  double w = 0, var_plus = 0;
  within_and_pooled(split(chains), &w, &var_plus);
  if (w <= 0) return var_plus <= 0 ? 1.0 : std::numeric_limits<double>::infinity();
  return std::sqrt(var_plus / w);
}

double rank_rhat(const std::vector<Eigen::VectorXd>& chains) {
  check_chains(chains, "rank_rhat");
  const double bulk = split_rhat(rank_normalize(chains));
  // Tails: the distances to the median of all draws, rank-normalised ("folded").
  std::vector<double> all;
  for (const Eigen::VectorXd& c : chains) all.insert(all.end(), c.data(), c.data() + c.size());
  std::nth_element(all.begin(), all.begin() + static_cast<long>(all.size() / 2), all.end());
  double median = all[all.size() / 2];
  if (all.size() % 2 == 0) {
    median = 0.5 * (median + *std::max_element(all.begin(), all.begin() + static_cast<long>(all.size() / 2)));
  }
  std::vector<Eigen::VectorXd> folded;
  for (const Eigen::VectorXd& c : chains) folded.push_back((c.array() - median).abs().matrix());
  const double tail = split_rhat(rank_normalize(folded));
  return std::max(bulk, tail);
}

double ess(const std::vector<Eigen::VectorXd>& chains_in, bool rank_normalized) {
  check_chains(chains_in, "ess");
  const std::vector<Eigen::VectorXd> chains = split(rank_normalized ? rank_normalize(chains_in) : chains_in);
  const Eigen::Index n = chains[0].size();
  const double m = static_cast<double>(chains.size());
  double w = 0, var_plus = 0;
  within_and_pooled(chains, &w, &var_plus);
  if (var_plus <= 0) return m * static_cast<double>(n);  // constant draws: nothing to correlate
  const Eigen::Index max_lag = n - 1;
  Eigen::VectorXd mean_acov = Eigen::VectorXd::Zero(max_lag + 1);  // mean over chains of s_j² ρ_t,j
  for (const Eigen::VectorXd& c : chains) {
    const Eigen::VectorXd acov = autocovariance(c, max_lag);
    // s_j² ρ_t,j with s_j² the (n-1)-denominator variance: acov_t / acov_0 · s_j².
    if (acov[0] > 0) mean_acov += acov / acov[0] * variance(c);
  }
  mean_acov /= m;
  const auto rho = [&](Eigen::Index t) { return 1.0 - (w - mean_acov[t]) / var_plus; };
  // Geyer's initial positive sequence, made monotone.
  double sum = 0, previous = std::numeric_limits<double>::infinity();
  for (Eigen::Index k = 0; 2 * k + 1 <= max_lag; ++k) {
    double p = rho(2 * k) + rho(2 * k + 1);
    if (p <= 0) break;
    p = std::min(p, previous);
    previous = p;
    sum += p;
  }
  const double tau = std::max(-1.0 + 2.0 * sum, 1.0 / std::log10(m * static_cast<double>(n)));
  return m * static_cast<double>(n) / tau;
}

}  // namespace sbi
