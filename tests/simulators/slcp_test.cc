#include "simulators/slcp.h"

#include <gtest/gtest.h>

#include <cmath>

#include "simulators/batch.h"

namespace sbi::simulators {
namespace {

// Statistical checks allow 5 standard errors: a false alarm has probability ~6e-7 per check.
constexpr double kSigmas = 5.0;

TEST(Slcp, CovarianceClosedForm) {
  // θ = (0.5, -1, 1.2, 0.8, 0.4): s0 = 1.44, s1 = 0.64, ρ = tanh 0.4; values from Python.
  const Eigen::Matrix2d s =
      Slcp::covariance((Eigen::VectorXd(5) << 0.5, -1, 1.2, 0.8, 0.4).finished());
  EXPECT_DOUBLE_EQ(s(0, 0), 2.073601);
  EXPECT_DOUBLE_EQ(s(1, 1), 0.409601);
  EXPECT_DOUBLE_EQ(s(0, 1), 0.3501609636144153);
  EXPECT_EQ(s(0, 1), s(1, 0));
}

TEST(Slcp, PooledDrawsMatchMeanAndCovariance) {
  // N sims x 4 draws = M = 4N pooled 2-D Gaussian draws with known mean m. Standard errors:
  // mean_j: √(S_jj / M); Ŝ_jk = mean((x_j - m_j)(x_k - m_k)): √((S_jk² + S_jj S_kk) / M)
  // (Isserlis). Draws 1 and 2 of one sim are independent: their cross-covariance in
  // coordinate 0 is 0 with se S_00 / √N.
  const int n = 50000, m = 4 * n;
  const Eigen::VectorXd theta = (Eigen::VectorXd(5) << 0.5, -1, 1.2, 0.8, 0.4).finished();
  const Eigen::Matrix2d s = Slcp::covariance(theta);
  const Eigen::Vector2d mu(0.5, -1.0);
  SimulateOptions options;
  options.seed = 3;
  const Eigen::MatrixXd x = simulate_at(Slcp(), theta.replicate(1, n), options).x;
  const Eigen::MatrixXd pooled = Eigen::Map<const Eigen::MatrixXd>(x.data(), 2, m);
  const Eigen::MatrixXd centred = pooled.colwise() - mu;
  const Eigen::Vector2d mean = pooled.rowwise().mean();
  const Eigen::Matrix2d cov = centred * centred.transpose() / m;
  for (int j = 0; j < 2; ++j) {
    EXPECT_NEAR(mean[j], mu[j], kSigmas * std::sqrt(s(j, j) / m)) << j;
    for (int k = 0; k < 2; ++k)
      EXPECT_NEAR(cov(j, k), s(j, k),
                  kSigmas * std::sqrt((s(j, k) * s(j, k) + s(j, j) * s(k, k)) / m))
          << j << "," << k;
  }
  const double cross = ((x.row(0).array() - mu[0]) * (x.row(2).array() - mu[0])).mean();
  EXPECT_NEAR(cross, 0.0, kSigmas * s(0, 0) / std::sqrt(n));
}

TEST(Slcp, DegenerateScalesStayFinite) {
  // θ2 = θ3 = 0 gives S = εI: the jitter keeps the Cholesky factor real.
  const Eigen::VectorXd theta = (Eigen::VectorXd(5) << 1, 2, 0, 0, 3).finished();
  Eigen::VectorXd x(8);
  core::Rng rng(1);
  Slcp().simulate(theta, &rng, x);
  EXPECT_TRUE(x.allFinite());
  for (int k = 0; k < 4; ++k) {
    EXPECT_NEAR(x[2 * k], 1.0, 1e-2);  // 10 sd of √ε = 1e-3
    EXPECT_NEAR(x[2 * k + 1], 2.0, 1e-2);
  }
}

}  // namespace
}  // namespace sbi::simulators
