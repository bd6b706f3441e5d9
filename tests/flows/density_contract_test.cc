// The contract every ConditionalDensity passes (after zuko's tests/test_flows.py):
// shapes, inverse(forward(x)) = x, log|det J| against a finite-difference Jacobian,
// gradients against finite differences for parameters, context and theta, and a
// normalised density. New estimators add a factory to kFactories.
#include <gtest/gtest.h>

#include <functional>

#include <Eigen/LU>

#include "flows/realnvp.h"
#include "nn/gradient_check.h"

namespace sbi::flows {
namespace {

Matrix random_matrix(int rows, int cols, core::Rng* rng, double scale = 1.0) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = scale * rng->normal();
  return m;
}

// Perturbs all parameters so that no layer is the identity (the output layers start at 0).
void randomize(ConditionalDensity* density, core::Rng* rng, double scale) {
  for (const nn::Parameter& p : density->parameters())
    *p.value += random_matrix(p.value->rows(), p.value->cols(), rng, scale);
}

std::unique_ptr<RealNVP> make_realnvp(int theta_dim, int context_dim) {
  RealNVPOptions o;
  o.theta_dim = theta_dim;
  o.context_dim = context_dim;
  o.num_transforms = 4;
  o.hidden = 8;
  o.num_blocks = 1;
  o.activation = nn::Activation::kTanh;  // smooth, so finite differences are exact to O(h^6)
  o.seed = 3;
  return std::make_unique<RealNVP>(o);
}

struct Case {
  int theta_dim, context_dim;
};

class RealNVPContract : public ::testing::TestWithParam<Case> {};

TEST_P(RealNVPContract, InverseOfForwardIsIdentity) {
  const Case c = GetParam();
  auto flow = make_realnvp(c.theta_dim, c.context_dim);
  core::Rng rng(11);
  randomize(flow.get(), &rng, 0.3);
  const Matrix theta = random_matrix(c.theta_dim, 7, &rng);
  const Matrix ctx = random_matrix(c.context_dim, 7, &rng);
  RealNVPCache cache;
  flow->forward(theta, ctx, &cache);
  EXPECT_LT((flow->inverse(cache.z, ctx) - theta).cwiseAbs().maxCoeff(), 1e-10);
}

TEST_P(RealNVPContract, LogDetMatchesFiniteDifferenceJacobian) {
  const Case c = GetParam();
  auto flow = make_realnvp(c.theta_dim, c.context_dim);
  core::Rng rng(12);
  randomize(flow.get(), &rng, 0.3);
  const Matrix theta = random_matrix(c.theta_dim, 1, &rng);
  const Matrix ctx = random_matrix(c.context_dim, 1, &rng);
  RealNVPCache cache;
  flow->forward(theta, ctx, &cache);
  const int d = c.theta_dim;
  Matrix jac(d, d);
  for (int i = 0; i < d; ++i) {
    auto zi = [&](const nn::Vector& t) {
      RealNVPCache local;
      flow->forward(Matrix(t), ctx, &local);
      return local.z(i, 0);
    };
    jac.row(i) = nn::finite_difference_gradient(zi, theta.col(0)).transpose();
  }
  EXPECT_NEAR(cache.log_det(0, 0), std::log(std::abs(jac.determinant())), 1e-8);
}

TEST_P(RealNVPContract, GradientsMatchFiniteDifferences) {
  const Case c = GetParam();
  auto flow = make_realnvp(c.theta_dim, c.context_dim);
  core::Rng rng(13);
  randomize(flow.get(), &rng, 0.3);
  const Matrix theta = random_matrix(c.theta_dim, 5, &rng);
  const Matrix ctx = random_matrix(c.context_dim, 5, &rng);
  nn::Parameters params = flow->parameters();
  nn::zero_grad(params);
  Matrix grad_ctx;
  flow->loss_and_gradient(theta, ctx, &grad_ctx);
  const nn::Vector w0 = nn::flatten_values(params);
  auto loss_of_params = [&](const nn::Vector& w) {
    nn::unflatten_values(w, params);
    return -flow->log_prob(theta, ctx).mean();
  };
  nn::GradientCheckResult r = nn::check_gradient(loss_of_params, w0, nn::flatten_grads(params), 1e-6);
  nn::unflatten_values(w0, params);
  EXPECT_TRUE(r.ok) << "parameters: " << r.message;

  if (c.context_dim > 0) {
    auto loss_of_ctx = [&](const nn::Vector& v) {
      return -flow->log_prob(theta, Eigen::Map<const Matrix>(v.data(), ctx.rows(), ctx.cols())).mean();
    };
    r = nn::check_gradient(loss_of_ctx, Eigen::Map<const nn::Vector>(ctx.data(), ctx.size()),
                           Eigen::Map<const nn::Vector>(grad_ctx.data(), grad_ctx.size()), 1e-6);
    EXPECT_TRUE(r.ok) << "context: " << r.message;
  }

  Matrix grad_theta;
  const nn::Vector lp = flow->log_prob_and_gradient(theta, ctx, &grad_theta);
  EXPECT_LT((lp - flow->log_prob(theta, ctx)).cwiseAbs().maxCoeff(), 1e-12);
  auto sum_lp = [&](const nn::Vector& v) {
    return flow->log_prob(Eigen::Map<const Matrix>(v.data(), theta.rows(), theta.cols()), ctx).sum();
  };
  r = nn::check_gradient(sum_lp, Eigen::Map<const nn::Vector>(theta.data(), theta.size()),
                         Eigen::Map<const nn::Vector>(grad_theta.data(), grad_theta.size()), 1e-6);
  EXPECT_TRUE(r.ok) << "theta: " << r.message;
  // log_prob_and_gradient leaves parameter gradients alone.
  const nn::Vector before = nn::flatten_grads(params);
  flow->log_prob_and_gradient(theta, ctx, &grad_theta);
  EXPECT_EQ(before, nn::flatten_grads(params));
}

TEST_P(RealNVPContract, SampleIsReproducibleWithItsLogDensity) {
  const Case c = GetParam();
  auto flow = make_realnvp(c.theta_dim, c.context_dim);
  core::Rng rng(14);
  randomize(flow.get(), &rng, 0.3);
  const Matrix ctx = random_matrix(c.context_dim, 1, &rng).replicate(1, 1500);
  core::Rng a(5), b(5);
  nn::Vector lp;
  const Matrix s1 = flow->sample(ctx, &a, &lp);
  ASSERT_EQ(s1.rows(), c.theta_dim);
  ASSERT_EQ(s1.cols(), 1500);
  EXPECT_EQ(s1, flow->sample(ctx, &b, nullptr));
  EXPECT_TRUE(s1.allFinite());
  // The log-density computed along the inverse pass equals the forward one.
  EXPECT_LT((lp - flow->log_prob(s1, ctx)).cwiseAbs().maxCoeff(), 1e-9);
}

INSTANTIATE_TEST_SUITE_P(Dims, RealNVPContract,
                         ::testing::Values(Case{1, 0}, Case{1, 3}, Case{2, 2}, Case{3, 1},
                                           Case{5, 4}),
                         [](const auto& info) {
                           return "theta" + std::to_string(info.param.theta_dim) + "_context" +
                                  std::to_string(info.param.context_dim);
                         });

TEST(RealNVP, DensityIntegratesToOneOnAGrid) {
  auto flow = make_realnvp(2, 1);
  core::Rng rng(21);
  randomize(flow.get(), &rng, 0.2);
  // Midpoint rule on [-L, L]^2 with h = 0.04: its error is O(h^2 f'') ~ 1e-4, and the
  // mass outside L = 12 is negligible for a flow this close to a standard normal (weights
  // perturbed by 0.2 from the identity). A 1e-3 error in log q would shift the mass by 1e-3.
  const int n = 600;
  const double L = 12.0, h = 2 * L / n;
  Matrix grid(2, n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) grid.col(i * n + j) << -L + (i + 0.5) * h, -L + (j + 0.5) * h;
  const Matrix ctx = Matrix::Constant(1, n * n, 0.7);
  const double mass = flow->log_prob(grid, ctx).array().exp().sum() * h * h;
  EXPECT_NEAR(mass, 1.0, 1e-3);
}

}  // namespace
}  // namespace sbi::flows
