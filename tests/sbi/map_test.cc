// MAP with Ceres on posteriors whose mode is known: a Gaussian q(theta | x) = N(a x + b, s^2 I)
// carried by a PosteriorModel, under unbounded, uniform and lognormal priors.
#include <gtest/gtest.h>

#include <cmath>

#include "sbi/map.h"
#include "sbi/support_transform.h"
#include "tests/sbi/analytic_posteriors.h"

namespace sbi {
namespace {

TEST(SupportTransform, RoundTripAndJacobian) {
  const core::Prior prior = core::Prior::parse("uniform(-1,3), lognormal(0,1), normal(0,2)");
  const SupportTransform t(prior);
  const Eigen::Vector3d theta(2.2, 0.7, -5.0);
  const Eigen::VectorXd u = t.to_unconstrained(theta);
  EXPECT_TRUE(t.to_theta(u).isApprox(theta, 1e-12));
  // Jacobian diagonal against central differences (h = 1e-6: error ~h^2 * theta''' ~ 1e-12).
  const Eigen::VectorXd j = t.jacobian_diagonal(u);
  for (int d = 0; d < 3; ++d) {
    Eigen::VectorXd up = u, dn = u;
    up[d] += 1e-6;
    dn[d] -= 1e-6;
    EXPECT_NEAR(j[d], (t.to_theta(up)[d] - t.to_theta(dn)[d]) / 2e-6, 1e-8) << d;
  }
  // Far out, theta stays inside the closed support.
  const Eigen::VectorXd edge = t.to_theta(Eigen::Vector3d(800, -800, 1));
  EXPECT_LE(edge[0], 3.0);
  EXPECT_GE(edge[1], 0.0);
  // Boundary points map to finite u.
  EXPECT_TRUE(t.to_unconstrained(Eigen::Vector3d(-1, 0, 0)).allFinite());
}

TEST(Map, GaussianModeWithoutBounds) {
  // q = N(0.5 x + 0.1, 0.2^2 I): the mode is 0.5 x + 0.1.
  PosteriorModel model = testing::gaussian_model(3, 0.5, 0.1, 0.2, std::nullopt);
  const Eigen::Vector3d x(0.4, -1.0, 2.0);
  MapOptions options;
  options.num_starts = 3;
  options.num_candidates = 200;
  MapSummary summary;
  const Eigen::VectorXd theta = find_map(&model, x, options, &summary);
  EXPECT_TRUE(theta.isApprox(((0.5 * x).array() + 0.1).matrix(), 1e-6)) << theta.transpose();
  ASSERT_EQ(summary.starts.size(), 3u);
  ASSERT_GE(summary.best_start, 0);
  for (const MapStart& s : summary.starts) {
    EXPECT_TRUE(s.usable);
    EXPECT_EQ(s.termination, "CONVERGENCE");
    EXPECT_GT(s.iterations, 0);
    EXPECT_GE(s.final_log_prob, s.initial_log_prob);
  }
  // Start 0 is the best of the candidate draws: no other start begins higher.
  for (const MapStart& s : summary.starts) EXPECT_LE(s.initial_log_prob, summary.starts[0].initial_log_prob);
  // log q at the mode: -3 (log 0.2 + log(2 pi)/2).
  EXPECT_NEAR(summary.starts[summary.best_start].final_log_prob, -3 * (std::log(0.2) + 0.5 * std::log(2 * M_PI)), 1e-9);
}

TEST(Map, UniformPriorInteriorAndBoundaryModes) {
  // Box [-1, 1]^2. x = (0.3, 0.5): the mode (0.3, 0.5) is inside. x = (1.6, -0.2): the
  // unconstrained mode 1.6 is outside, so the constrained MAP is on the bound theta_0 = 1,
  // approached as u -> inf (logit reparameterisation), with theta_1 = -0.2 untouched.
  PosteriorModel model = testing::gaussian_model(2, 1.0, 0.0, 0.3, core::Prior::parse("uniform(-1,1)*2"));
  MapOptions options;
  MapSummary summary;
  const Eigen::VectorXd inside = find_map(&model, Eigen::Vector2d(0.3, 0.5), options, &summary);
  EXPECT_NEAR(inside[0], 0.3, 1e-6);
  EXPECT_NEAR(inside[1], 0.5, 1e-6);
  const Eigen::VectorXd edge = find_map(&model, Eigen::Vector2d(1.6, -0.2), options, &summary);
  EXPECT_LE(edge[0], 1.0);
  EXPECT_GT(edge[0], 1.0 - 1e-3);
  EXPECT_NEAR(edge[1], -0.2, 1e-4);
  // Without the restriction the optimiser finds the unconstrained mode.
  options.restrict_to_prior = false;
  const Eigen::VectorXd free = find_map(&model, Eigen::Vector2d(1.6, -0.2), options, &summary);
  EXPECT_NEAR(free[0], 1.6, 1e-6);
}

TEST(Map, LogNormalPriorUsesTheLogTransform) {
  // theta > 0 through theta = exp(u): modes 2.0 and 0.1 inside; a Gaussian centred at -0.5
  // has its constrained maximum at theta -> 0+ (reached as u -> -inf).
  PosteriorModel model = testing::gaussian_model(1, 1.0, 0.0, 0.5, core::Prior::parse("lognormal(0,1)"));
  MapOptions options;
  options.num_starts = 2;
  options.num_candidates = 50;
  MapSummary summary;
  EXPECT_NEAR(find_map(&model, (Eigen::VectorXd(1) << 2.0).finished(), options, &summary)[0], 2.0, 1e-6);
  const double near_zero = find_map(&model, (Eigen::VectorXd(1) << 0.1).finished(), options, &summary)[0];
  EXPECT_NEAR(near_zero, 0.1, 1e-6);
  const double at_bound = find_map(&model, (Eigen::VectorXd(1) << -0.5).finished(), options, &summary)[0];
  EXPECT_GT(at_bound, 0.0);
  EXPECT_LT(at_bound, 1e-3);
}

TEST(Map, RejectsBadInput) {
  PosteriorModel model = testing::gaussian_model(2, 1.0, 0.0, 0.3, std::nullopt);
  MapOptions options;
  options.num_starts = 0;
  std::string error;
  EXPECT_FALSE(options.is_valid(&error));
  EXPECT_NE(error.find("num_starts"), std::string::npos);
  options = MapOptions{};
  options.num_candidates = 2;
  EXPECT_FALSE(options.is_valid(&error));
  MapSummary summary;
  EXPECT_THROW(find_map(&model, Eigen::Vector3d(0, 0, 0), MapOptions{}, &summary), std::exception);
}

}  // namespace
}  // namespace sbi
