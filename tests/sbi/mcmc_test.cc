// Slice sampling (sbi/slice_sampler.h) and the convergence diagnostics R̂ and ESS
// (sbi/mcmc_diagnostics.h): closed forms on constructed chains, AR(1) chains of known
// autocorrelation, and Gaussian targets whose moments the sampler must reproduce within
// Monte Carlo error.
#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <limits>

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include "core/rng.h"
#include "sbi/ensemble_sampler.h"
#include "sbi/mcmc_diagnostics.h"
#include "sbi/slice_sampler.h"
#include "tests/io/error_message.h"

namespace sbi {
namespace {

using io::testing::contains;
using io::testing::error_message;

std::vector<Eigen::VectorXd> iid_normal_chains(int chains, long n, std::uint64_t seed, double shift_last = 0) {
  std::vector<Eigen::VectorXd> out;
  for (int c = 0; c < chains; ++c) {
    core::Rng rng(seed, static_cast<std::uint64_t>(c));
    Eigen::VectorXd v(n);
    for (long i = 0; i < n; ++i) v[i] = rng.normal() + (c == chains - 1 ? shift_last : 0.0);
    out.push_back(v);
  }
  return out;
}

// x_t = φ x_{t-1} + sqrt(1 - φ²) ε_t, stationary N(0, 1): integrated autocorrelation time
// τ = (1 + φ) / (1 - φ), so ESS = draws / τ.
std::vector<Eigen::VectorXd> ar1_chains(int chains, long n, double phi, std::uint64_t seed) {
  std::vector<Eigen::VectorXd> out;
  for (int c = 0; c < chains; ++c) {
    core::Rng rng(seed, static_cast<std::uint64_t>(c));
    Eigen::VectorXd v(n);
    double x = rng.normal();
    for (long i = 0; i < n; ++i) {
      x = phi * x + std::sqrt(1 - phi * phi) * rng.normal();
      v[i] = x;
    }
    out.push_back(v);
  }
  return out;
}

TEST(McmcDiagnostics, SplitRhatOfAHandComputedExample) {
  // Halves [1,2], [3,4], [3,4], [5,6]: W = 0.5; the means 1.5, 3.5, 3.5, 5.5 have variance
  // 8/3; n = 2: var⁺ = 0.5 · 0.5 + 8/3 = 35/12; R̂ = sqrt(var⁺ / W) = sqrt(35/6).
  Eigen::VectorXd a(4), b(4);
  a << 1, 2, 3, 4;
  b << 3, 4, 5, 6;
  EXPECT_NEAR(split_rhat({a, b}), std::sqrt(35.0 / 6.0), 1e-12);
}

TEST(McmcDiagnostics, RhatNearOneForMixedChainsAndAsPredictedForAShiftedChain) {
  const std::vector<Eigen::VectorXd> mixed = iid_normal_chains(4, 5000, 1);
  EXPECT_LT(split_rhat(mixed), 1.005);
  EXPECT_LT(rank_rhat(mixed), 1.005);
  EXPECT_GE(rank_rhat(mixed), split_rhat(rank_normalize(mixed)));  // max of bulk and tail
  // One chain of four shifted by 1 sd: the 8 half-chain means are 0 (6 of them) and 1 (2),
  // variance 1.5 / 7 = 0.2143, W ≈ 1, so R̂ ≈ sqrt(1 + 0.2143) = 1.102 (the sampling error of
  // the means, sd 0.02, moves it by about 0.005).
  const std::vector<Eigen::VectorXd> shifted = iid_normal_chains(4, 5000, 1, 1.0);
  EXPECT_NEAR(split_rhat(shifted), std::sqrt(1.0 + 1.5 / 7.0), 0.02);
  EXPECT_GT(rank_rhat(shifted), 1.05);
}

TEST(McmcDiagnostics, EssMatchesTheAutocorrelationTimeOfAr1Chains) {
  // 4 chains of 20 000: the relative error of the ESS estimate is a few percent (its sd is
  // about sqrt(2 (2 K + 1) / N) of the lags summed); 10% leaves room without hiding a factor.
  for (double phi : {0.0, 0.5, 0.9}) {
    SCOPED_TRACE(phi);
    const std::vector<Eigen::VectorXd> chains = ar1_chains(4, 20000, phi, 7);
    const double expected = 80000.0 * (1 - phi) / (1 + phi);
    EXPECT_NEAR(ess(chains, false) / expected, 1.0, 0.10);
    EXPECT_NEAR(ess(chains, true) / expected, 1.0, 0.10);  // a monotone map of Gaussian draws
  }
}

TEST(McmcDiagnostics, BadChainsAreRefused) {
  Eigen::VectorXd a = Eigen::VectorXd::Ones(10), b = Eigen::VectorXd::Ones(9), c = Eigen::VectorXd::Ones(3);
  EXPECT_TRUE(contains(error_message([&] { split_rhat({a, b}); }), "different lengths"));
  EXPECT_TRUE(contains(error_message([&] { ess({c}); }), "at least 4"));
  a[3] = std::numeric_limits<double>::quiet_NaN();
  EXPECT_TRUE(contains(error_message([&] { rank_rhat({a}); }), "NaN"));
}

enum class Sampler { kSlice, kEnsemble };

// Samples N(mean, cov) and checks the moments within Monte Carlo error from the chains' ESS:
// 4 slice-sampling chains from the mean, or 4 D ensemble walkers started in a small ball
// around a point 3 sd away (an ensemble started at one point would never spread).
void expect_gaussian_moments(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov, long draws,
                             double min_ess_fraction, Sampler sampler = Sampler::kSlice, long thin = 1) {
  const Eigen::MatrixXd precision = cov.inverse();
  const LogDensity log_density = [&](const Eigen::VectorXd& x) {
    const Eigen::VectorXd d = x - mean;
    return -0.5 * d.dot(precision * d);
  };
  const Eigen::Index dim = mean.size();
  McmcChains chains;
  if (sampler == Sampler::kSlice) {
    SliceSamplerOptions o;
    o.warmup = 300;
    o.draws = draws;
    o.seed = 11;
    chains = slice_sample(log_density, Eigen::MatrixXd::Zero(dim, 4), o);
  } else {
    EnsembleSamplerOptions o;
    o.warmup = 1000;
    o.draws = draws;
    o.thin = thin;
    o.seed = 11;
    core::Rng rng(5);
    Eigen::MatrixXd initial(dim, 4 * dim);
    for (Eigen::Index i = 0; i < initial.size(); ++i) initial.data()[i] = 0.01 * rng.normal();
    initial.colwise() += mean + 3 * cov.diagonal().cwiseSqrt();
    long calls = 0;
    chains = ensemble_sample([&](const Eigen::MatrixXd& x) {
      ++calls;
      Eigen::VectorXd lp(x.cols());
      for (Eigen::Index j = 0; j < x.cols(); ++j) lp[j] = log_density(x.col(j));
      return lp;
    }, initial, o);
    EXPECT_EQ(calls, 1 + 2 * (o.warmup + draws * thin));  // one batched call per half-step
    // The stretch move accepts 20-70% on Gaussians (Goodman & Weare 2010, Foreman-Mackey et al. 2013).
    EXPECT_GT(chains.acceptance, 0.2);
    EXPECT_LT(chains.acceptance, 0.8);
  }
  const long num_chains = static_cast<long>(chains.draws.size());
  Eigen::MatrixXd all(dim, num_chains * draws);
  for (long c = 0; c < num_chains; ++c) all.middleCols(c * draws, draws) = chains.draws[static_cast<size_t>(c)];
  const Eigen::VectorXd sample_mean = all.rowwise().mean();
  const Eigen::MatrixXd centred = all.colwise() - sample_mean;
  const Eigen::MatrixXd sample_cov = centred * centred.transpose() / static_cast<double>(all.cols() - 1);
  for (Eigen::Index d = 0; d < dim; ++d) {
    const std::vector<Eigen::VectorXd> coordinate = coordinate_chains(chains, d);
    const double n_eff = ess(coordinate);
    EXPECT_LT(rank_rhat(coordinate), 1.01) << d;
    EXPECT_GT(n_eff, min_ess_fraction * static_cast<double>(all.cols())) << d;
    // 4.5 standard errors: over the 10 + 55 checks of the 10-D case a false alarm has
    // probability below 1e-3.
    const double sd = std::sqrt(cov(d, d));
    EXPECT_NEAR(sample_mean[d], mean[d], 4.5 * sd / std::sqrt(n_eff)) << d;
    for (Eigen::Index e = 0; e <= d; ++e) {
      const double se = std::sqrt((cov(d, d) * cov(e, e) + cov(d, e) * cov(d, e)) / n_eff);
      EXPECT_NEAR(sample_cov(d, e), cov(d, e), 4.5 * se) << d << "," << e;
    }
  }
}

TEST(SliceSampler, ACorrelated2dGaussianHasItsMeanAndCovariance) {
  Eigen::Vector2d mean(1.0, -2.0);
  Eigen::Matrix2d cov;
  cov << 1.0, 1.8, 1.8, 4.0;  // sd 1 and 2, correlation 0.9
  // Coordinate-wise updates of a correlation ρ move like a Gibbs sampler: lag-1 autocorrelation
  // ρ² per sweep, so ESS / N ≈ (1 - ρ²) / (1 + ρ²) = 0.105 (measured 0.095).
  expect_gaussian_moments(mean, cov, 4000, 0.07);
}

// A 10-D Gaussian with a random covariance (condition number in the tens) and mean.
struct Gaussian10d {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};
Gaussian10d random_gaussian_10d() {
  core::Rng rng(3);
  Eigen::MatrixXd a(10, 10);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
  const Eigen::MatrixXd cov = a * a.transpose() / 10.0 + 0.2 * Eigen::MatrixXd::Identity(10, 10);
  Eigen::VectorXd mean(10);
  for (Eigen::Index i = 0; i < 10; ++i) mean[i] = rng.normal();
  return {mean, cov};
}

TEST(SliceSampler, A10dGaussianHasItsMeanAndCovariance) {
  const Gaussian10d g = random_gaussian_10d();
  expect_gaussian_moments(g.mean, g.cov, 3000, 0.02);
}

// The ensemble sampler is affine invariant: the correlation of 0.9 costs it nothing. Its
// walkers move slowly, though (a stretch move changes one walker by a step along a line
// through another): measured integrated autocorrelation times of about 37 steps in 2-D with
// 8 walkers and 140 in 10-D with 40 (Huijser et al. 2015 on the stretch move in high
// dimensions), so the walkers are thinned (5, 20) to keep each walker's ESS, and hence R-hat
// over walkers below 1.01, at a few hundred.
TEST(EnsembleSampler, ACorrelated2dGaussianHasItsMeanAndCovariance) {
  Eigen::Vector2d mean(1.0, -2.0);
  Eigen::Matrix2d cov;
  cov << 1.0, 1.8, 1.8, 4.0;
  expect_gaussian_moments(mean, cov, 4000, 0.07, Sampler::kEnsemble, 5);
}

TEST(EnsembleSampler, A10dGaussianHasItsMeanAndCovariance) {
  const Gaussian10d g = random_gaussian_10d();
  expect_gaussian_moments(g.mean, g.cov, 1500, 0.07, Sampler::kEnsemble, 20);
}

TEST(EnsembleSampler, BadSettingsAreClearErrors) {
  const BatchLogDensity flat = [](const Eigen::MatrixXd& x) { return Eigen::VectorXd::Zero(x.cols()).eval(); };
  EXPECT_TRUE(contains(error_message([&] { ensemble_sample(flat, Eigen::MatrixXd::Zero(3, 4), {}); }),
                       "at least 2 x 3"));
  EXPECT_TRUE(contains(error_message([&] { ensemble_sample(flat, Eigen::MatrixXd::Zero(1, 3), {}); }), "even"));
  const BatchLogDensity positive = [](const Eigen::MatrixXd& x) {
    Eigen::VectorXd lp(x.cols());
    for (Eigen::Index j = 0; j < x.cols(); ++j)
      lp[j] = x(0, j) > 0 ? 0.0 : -std::numeric_limits<double>::infinity();
    return lp;
  };
  Eigen::MatrixXd starts = Eigen::MatrixXd::Ones(1, 4);
  starts(0, 2) = -1;
  EXPECT_TRUE(contains(error_message([&] { ensemble_sample(positive, starts, {}); }), "initial point of walker 2"));
  EnsembleSamplerOptions bad;
  bad.stretch = 1;
  EXPECT_TRUE(contains(error_message([&] { ensemble_sample(flat, Eigen::MatrixXd::Ones(1, 4), bad); }), "stretch"));
}

TEST(SliceSampler, ABoundedSupportIsRespected) {
  // Uniform on [0, 1] x [0, 2]: mean (0.5, 1), variances 1/12 and 4/12.
  const LogDensity box = [](const Eigen::VectorXd& x) {
    const bool inside = x[0] >= 0 && x[0] <= 1 && x[1] >= 0 && x[1] <= 2;
    return inside ? 0.0 : -std::numeric_limits<double>::infinity();
  };
  SliceSamplerOptions o;
  o.draws = 5000;
  o.seed = 2;
  const McmcChains chains = slice_sample(box, Eigen::MatrixXd::Constant(2, 2, 0.5), o);
  for (const Eigen::MatrixXd& c : chains.draws) {
    EXPECT_GE(c.row(0).minCoeff(), 0.0);
    EXPECT_LE(c.row(1).maxCoeff(), 2.0);
    // Independent-ish draws (ESS close to n): 5 standard errors of the mean and variance.
    EXPECT_NEAR(c.row(0).mean(), 0.5, 5 * std::sqrt(1.0 / 12 / 5000));
    EXPECT_NEAR(c.row(1).mean(), 1.0, 5 * std::sqrt(4.0 / 12 / 5000));
    const double var0 = (c.row(0).array() - c.row(0).mean()).square().mean();
    EXPECT_NEAR(var0, 1.0 / 12, 5 * std::sqrt(1.0 / 180 / 5000));  // Var of (U - 1/2)² = 1/180
  }
}

TEST(SliceSampler, DrawsDependOnTheSeedOnlyNotOnThreads) {
  const LogDensity banana = [](const Eigen::VectorXd& x) {
    return -0.5 * x[0] * x[0] - 0.5 * std::pow(x[1] - x[0] * x[0], 2) / 0.1;
  };
  SliceSamplerOptions o;
  o.warmup = 50;
  o.draws = 200;
  o.seed = 5;
  const Eigen::MatrixXd initial = Eigen::MatrixXd::Zero(2, 3);
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const McmcChains one = slice_sample(banana, initial, o);
  omp_set_num_threads(2);
  const McmcChains two = slice_sample(banana, initial, o);
  omp_set_num_threads(threads);
  for (size_t c = 0; c < 3; ++c) EXPECT_TRUE(one.draws[c] == two.draws[c]) << c;
  EXPECT_FALSE(one.draws[0] == one.draws[1]);  // chains have their own streams
  o.seed = 6;
  EXPECT_FALSE(slice_sample(banana, initial, o).draws[0] == one.draws[0]);
}

TEST(SliceSampler, AStartOutsideTheSupportIsAClearError) {
  const LogDensity positive = [](const Eigen::VectorXd& x) {
    return x[0] > 0 ? -x[0] : -std::numeric_limits<double>::infinity();
  };
  const std::string message =
      error_message([&] { slice_sample(positive, Eigen::MatrixXd::Constant(1, 2, -1.0), SliceSamplerOptions()); });
  EXPECT_TRUE(contains(message, "initial point of chain 0")) << message;
  SliceSamplerOptions bad;
  bad.draws = 0;
  EXPECT_TRUE(contains(error_message([&] { slice_sample(positive, Eigen::MatrixXd::Ones(1, 1), bad); }), "draws"));
}

}  // namespace
}  // namespace sbi
