#include "simulators/gaussian_linear.h"

#include <gtest/gtest.h>

#include <cmath>

#include "simulators/batch.h"

namespace sbi::simulators {
namespace {

// Statistical checks allow 5 standard errors: a false alarm has probability ~6e-7 per check.
constexpr double kSigmas = 5.0;

TEST(GaussianLinear, MomentsOfXAtFixedTheta) {
  // x | θ ~ N(θ, 0.1 I). With N draws: the mean has standard error √(0.1/N); a sample variance
  // has sd √2·0.1/√N (Gaussian μ4 = 3σ⁴); an off-diagonal covariance has sd 0.1/√N.
  const Task task = make_gaussian_linear_task();
  const int n = 100000, d = 10;
  Eigen::VectorXd theta(d);
  for (int j = 0; j < d; ++j) theta[j] = 0.1 * j - 0.4;
  SimulateOptions options;
  options.seed = 11;
  const Eigen::MatrixXd x = simulate_at(*task.simulator, theta.replicate(1, n), options).x;
  const Eigen::VectorXd mean = x.rowwise().mean();
  const Eigen::MatrixXd centred = x.colwise() - mean;
  const Eigen::MatrixXd cov = centred * centred.transpose() / (n - 1);
  for (int j = 0; j < d; ++j) {
    EXPECT_NEAR(mean[j], theta[j], kSigmas * std::sqrt(0.1 / n)) << j;
    for (int k = 0; k < d; ++k) {
      const double sd = (j == k ? std::sqrt(2.0) : 1.0) * 0.1 / std::sqrt(n);
      EXPECT_NEAR(cov(j, k), j == k ? 0.1 : 0.0, kSigmas * sd) << j << "," << k;
    }
  }
}

TEST(GaussianLinear, PosteriorClosedFormDefaults) {
  // prior_var = noise_var = 0.1: mean = x/2, var = 0.05.
  const GaussianPosterior post = gaussian_linear_posterior(Eigen::Vector2d(0.4, -1.0));
  EXPECT_DOUBLE_EQ(post.mean[0], 0.2);
  EXPECT_DOUBLE_EQ(post.mean[1], -0.5);
  EXPECT_TRUE(post.cov.isApprox(0.05 * Eigen::Matrix2d::Identity(), 1e-15));
}

TEST(GaussianLinear, PosteriorMatchesImportanceSampling) {
  // Self-normalised importance sampling with the prior as proposal, w_i = N(x_obs; θ_i, σ²I):
  //   μ̂ = Σ w_i θ_i / Σ w_i,  with delta-method standard error
  //   se² = Σ w_i² (θ_i - μ̂)² / (Σ w_i)²  (delta method for a ratio); likewise for the variance
  //   with f = (θ - μ̂)². Non-default variances check the general formula.
  const double prior_var = 0.2, noise_var = 0.05;
  const Task task = make_gaussian_linear_task({3, prior_var, noise_var});
  const Eigen::Vector3d x_obs(0.3, -0.5, 0.1);
  const GaussianPosterior exact = gaussian_linear_posterior(x_obs, prior_var, noise_var);

  const int m = 400000;
  core::Rng rng(2024);
  const Eigen::MatrixXd theta = task.prior.sample(m, &rng);
  const Eigen::ArrayXd w =
      (-(theta.colwise() - x_obs).colwise().squaredNorm().array() / (2 * noise_var))
          .exp()
          .transpose();
  const double sum_w = w.sum();
  for (int j = 0; j < 3; ++j) {
    const Eigen::ArrayXd t = theta.row(j).transpose().array();
    const double mean = (w * t).sum() / sum_w;
    const Eigen::ArrayXd dev2 = (t - mean).square();
    const double se_mean = std::sqrt((w.square() * dev2).sum()) / sum_w;
    EXPECT_NEAR(mean, exact.mean[j], kSigmas * se_mean) << j;
    const double var = (w * dev2).sum() / sum_w;
    const double se_var = std::sqrt((w.square() * (dev2 - var).square()).sum()) / sum_w;
    EXPECT_NEAR(var, exact.cov(j, j), kSigmas * se_var) << j;
    // The check must be able to fail: the standard errors are far below the quantities tested.
    EXPECT_LT(kSigmas * se_mean, 0.01);
    EXPECT_LT(kSigmas * se_var, 0.1 * exact.cov(j, j));
  }
}

TEST(GaussianLinear, UniformTaskUsesBoxPrior) {
  const Task task = make_gaussian_linear_uniform_task({3, 2.0, 0.1});
  EXPECT_EQ(task.simulator->name(), "gaussian_linear_uniform");
  EXPECT_EQ(task.prior.lower(), Eigen::Vector3d::Constant(-2.0));
  EXPECT_EQ(task.prior.upper(), Eigen::Vector3d::Constant(2.0));
}

}  // namespace
}  // namespace sbi::simulators
