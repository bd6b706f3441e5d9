// The elementwise maps of coupling flows (Affine, RationalQuadraticSpline) on their own:
// params = 0 is the identity, strictly monotone, inverse(forward(u)) = u, log|dz/du|
// against finite differences, and backward() against finite differences for u and for
// the unconstrained parameters. Spline specifics: identity outside [-B, B], C^1 at +-B,
// the guards keeping extreme parameters monotone and invertible.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "core/error.h"
#include "core/rng.h"
#include "flows/affine.h"
#include "flows/rational_quadratic_spline.h"
#include "nn/gradient_check.h"

namespace sbi::flows {
namespace {

Matrix random_matrix(Eigen::Index rows, Eigen::Index cols, core::Rng* rng, double scale) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = scale * rng->normal();
  return m;
}

struct MapCase {
  const char* name;
  std::function<std::unique_ptr<ElementwiseMap>()> make;
  double bound;  // where the interesting part is: inputs are drawn on a scale covering it
};

std::unique_ptr<ElementwiseMap> spline(int bins, double bound, double logit_scale = 1.0) {
  RationalQuadraticSplineOptions o;
  o.bins = bins;
  o.bound = bound;
  o.logit_scale = logit_scale;
  return std::make_unique<RationalQuadraticSpline>(o);
}

const MapCase kMaps[] = {
    {"affine", [] { return std::make_unique<Affine>(3.0); }, 3.0},
    {"spline_k8_b5", [] { return spline(8, 5.0); }, 5.0},
    {"spline_k3_b2", [] { return spline(3, 2.0); }, 2.0},
    {"spline_k16_b1", [] { return spline(16, 1.0); }, 1.0},
    {"spline_k8_b5_logits_over_8", [] { return spline(8, 5.0, 1.0 / 8); }, 5.0},  // NSF, hidden 64
};

class ElementwiseMapTest : public ::testing::TestWithParam<MapCase> {};

// z and log|det| of a map at (params, u).
std::pair<Matrix, Matrix> apply(const ElementwiseMap& map, const Matrix& params, const Matrix& u) {
  Matrix z, log_det = Matrix::Zero(1, u.cols());
  map.forward(params, u, &z, &log_det);
  return {z, log_det};
}

TEST_P(ElementwiseMapTest, ZeroParametersAreTheIdentity) {
  auto map = GetParam().make();
  core::Rng rng(1);
  const Matrix u = random_matrix(3, 50, &rng, GetParam().bound);
  const auto [z, log_det] = apply(*map, Matrix::Zero(3 * map->num_params(), 50), u);
  // The identity up to rounding in the knot sums (a few ulp of B).
  EXPECT_LT((z - u).cwiseAbs().maxCoeff(), 1e-13);
  EXPECT_LT(log_det.cwiseAbs().maxCoeff(), 1e-13);
}

TEST_P(ElementwiseMapTest, InverseOfForwardIsIdentity) {
  auto map = GetParam().make();
  core::Rng rng(2);
  // Inputs reaching well outside [-B, B]; parameters of size 1 (log-slopes down to ~-12
  // for the splines) and 2 (down to ~-30).
  const int n = 3, cols = 400;
  const Matrix u = random_matrix(n, cols, &rng, 1.5 * GetParam().bound);
  for (double scale : {1.0, 2.0}) {
    const Matrix params = random_matrix(n * map->num_params(), cols, &rng, scale);
    const auto [z, log_det] = apply(*map, params, u);
    Matrix back, log_det_inverse = Matrix::Zero(1, cols);
    map->inverse(params, z, &back, &log_det_inverse);
    // Backward stable: the error in u is what rounding the result costs, ~eps |u|, plus a
    // rounding-sized residual in z carried back through the slope, ~eps |z| / g'(u); with
    // eps -> 1e-14 (~50 ulp) for the dozens of operations on the way.
    Eigen::ArrayXXd slope(n, cols);  // g'(u) of each element: one dimension at a time
    for (int i = 0; i < n; ++i) {
      Matrix zi, log_slope = Matrix::Zero(1, cols);
      map->forward(params(Eigen::seqN(i, map->num_params(), n), Eigen::all), u.row(i), &zi, &log_slope);
      slope.row(i) = log_slope.array().exp();
    }
    const Eigen::ArrayXXd bound = 1e-14 * (1 + u.array().abs() + (1 + z.array().abs()) / slope);
    EXPECT_TRUE(((back - u).array().abs() <= bound).all())
        << "scale " << scale << ": worst ratio " << ((back - u).array().abs() / bound).maxCoeff();
    if (scale == 1.0) {
      // For parameters of a trained conditioner's size, plainly: 1e-10 (measured <= 3e-12).
      EXPECT_LT((back - u).cwiseAbs().maxCoeff(), 1e-10);
      EXPECT_LT((log_det + log_det_inverse).cwiseAbs().maxCoeff(), 1e-10);
    }
  }
}

TEST_P(ElementwiseMapTest, IsStrictlyIncreasingAndContinuous) {
  auto map = GetParam().make();
  core::Rng rng(3);
  const double b = GetParam().bound;
  for (int trial = 0; trial < 20; ++trial) {
    // One spline (one parameter column) on a grid of step 1e-3 across [-B - 1, B + 1],
    // with parameters of size 3, and 50 (saturated guards) for the last five trials.
    const Matrix p = random_matrix(map->num_params(), 1, &rng, trial < 15 ? 3.0 : 50.0);
    const int m = static_cast<int>((2 * b + 2) / 1e-3);
    Matrix u(1, m);
    for (int j = 0; j < m; ++j) u(0, j) = -b - 1 + 1e-3 * j;
    const auto [z, log_det] = apply(*map, p.replicate(1, m), u);
    // Increasing: every step of 1e-3 raises z. Continuous: no step raises z by more than
    // twice h max(g'(x), g'(x + h)) (a jump would; within a step g' varies by h g'' << g').
    const Eigen::ArrayXd dz = (z.rightCols(m - 1) - z.leftCols(m - 1)).row(0).transpose().array();
    const Eigen::ArrayXd slope = log_det.row(0).transpose().array().exp();
    const Eigen::ArrayXd max_slope = slope.head(m - 1).max(slope.tail(m - 1));
    EXPECT_GT(dz.minCoeff(), 0.0) << "trial " << trial;
    // (Saturated splines have bins of 2B m_w, down to 2e-3, comparable to the grid step,
    // so g' may vary more than twofold within a step: continuity is checked without them.)
    if (trial < 15) {
      EXPECT_LT((dz - 2e-3 * max_slope).maxCoeff(), 0.0) << "trial " << trial;
    }
  }
}

TEST_P(ElementwiseMapTest, LogDetMatchesFiniteDifferences) {
  auto map = GetParam().make();
  core::Rng rng(4);
  const int n = 2, cols = 60;
  const Matrix params = random_matrix(n * map->num_params(), cols, &rng, 1.0);
  const Matrix u = random_matrix(n, cols, &rng, 0.8 * GetParam().bound);
  const auto [z, log_det] = apply(*map, params, u);
  double log_det_fd_max_error = 0;
  for (int j = 0; j < cols; ++j) {
    double sum_log_slope = 0;
    for (int i = 0; i < n; ++i) {
      auto zi = [&](const nn::Vector& x) {
        Matrix uj = u.col(j);
        uj(i, 0) = x(0);
        return apply(*map, params.col(j), uj).first(i, 0);
      };
      // Step 1e-5: the six-point stencil (+-3h) stays inside one bin unless u lies within
      // 3e-5 of a knot (the spline's second derivative jumps there), and rounding adds
      // ~ 1e-16 |z| / h ~ 1e-10 to slopes of at least ~1e-3.
      sum_log_slope += std::log(nn::finite_difference_gradient(zi, nn::Vector::Constant(1, u(i, j)), 1e-5)(0));
    }
    log_det_fd_max_error = std::max(log_det_fd_max_error, std::abs(sum_log_slope - log_det(0, j)));
  }
  EXPECT_LT(log_det_fd_max_error, 1e-7);
}

TEST_P(ElementwiseMapTest, BackwardMatchesFiniteDifferences) {
  auto map = GetParam().make();
  core::Rng rng(5);
  const int n = 2, cols = 25, np = n * map->num_params();
  const Matrix params = random_matrix(np, cols, &rng, 1.0);
  const Matrix u = random_matrix(n, cols, &rng, 0.8 * GetParam().bound);
  // L = sum a .* z + sum b .* log_det with fixed random weights.
  const Matrix a = random_matrix(n, cols, &rng, 1.0), b = random_matrix(1, cols, &rng, 1.0);
  Matrix grad_u, grad_params;
  map->backward(params, u, a, b, &grad_u, &grad_params);
  ASSERT_EQ(grad_params.rows(), np);
  ASSERT_EQ(grad_params.cols(), cols);
  // Column by column, so each loss is O(1) and rounding in it (~1e-15) stays ~1e-10 after
  // dividing by h = 1e-5 (step chosen as above); gradients below abs_floor 1e-4 are
  // compared in absolute terms, 1e-10 against that floor.
  for (int j = 0; j < cols; ++j) {
    auto loss = [&](const Matrix& pj, const Matrix& uj) {
      const auto [z, ld] = apply(*map, pj, uj);
      return (a.col(j).array() * z.array()).sum() + b(0, j) * ld(0, 0);
    };
    const nn::Vector p0 = params.col(j), u0 = u.col(j);
    nn::GradientCheckResult r = nn::check_gradient(
        [&](const nn::Vector& p) { return loss(p, u0); }, p0, grad_params.col(j), 1e-6, 1e-5, 1e-4);
    EXPECT_TRUE(r.ok) << "parameters of column " << j << ": " << r.message;
    r = nn::check_gradient([&](const nn::Vector& x) { return loss(p0, x); }, u0, grad_u.col(j), 1e-6,
                           1e-5, 1e-4);
    EXPECT_TRUE(r.ok) << "input of column " << j << ": " << r.message;
  }
}

INSTANTIATE_TEST_SUITE_P(Maps, ElementwiseMapTest, ::testing::ValuesIn(kMaps),
                         [](const auto& info) { return std::string(info.param.name); });

TEST(RationalQuadraticSpline, IsTheIdentityOutsideTheBoundAndC1AtIt) {
  auto map = spline(8, 5.0);
  core::Rng rng(6);
  const Matrix p = random_matrix(map->num_params(), 1, &rng, 2.0);
  Matrix u(1, 6);
  u << -9.0, -5.0 - 1e-9, -5.0 + 1e-9, 5.0 - 1e-9, 5.0 + 1e-9, 7.5;
  const auto [z, log_det] = apply(*map, p.replicate(1, 6), u);
  EXPECT_EQ(z(0, 0), -9.0);
  EXPECT_EQ(z(0, 5), 7.5);
  EXPECT_EQ(log_det(0, 0), 0.0);
  EXPECT_EQ(log_det(0, 5), 0.0);
  // Continuous at +-B (the spline maps +-B to +-B) and C^1: the boundary knot derivatives
  // are d_0 = d_K = 1, so log g' -> 0 from inside; within 1e-9 of the knot the slope differs
  // from 1 by O(1e-9 g'') (g'' = O(1 / min bin width) at most, here ~1).
  for (int j = 1; j <= 4; ++j) {
    EXPECT_NEAR(z(0, j), u(0, j), 1e-8) << "column " << j;
    EXPECT_NEAR(log_det(0, j), 0.0, 1e-7) << "column " << j;
  }
}

TEST(RationalQuadraticSpline, GuardsKeepExtremeParametersInvertible) {
  // Unconstrained parameters of size ~50 saturate the softmaxes and the softplus: bins
  // shrink to the minimum width 2B m_w = 1e-2, knot derivatives to m_d = 1e-3. Slopes inside
  // a bin can then be far below m_d (g' ~ s^2 / d at mid-bin), so the map is finite and
  // increasing but badly conditioned; the inverse must still be as accurate as the
  // conditioning allows.
  auto map = spline(8, 5.0);
  core::Rng rng(7);
  const int cols = 2000;
  const Matrix params = random_matrix(map->num_params(), cols, &rng, 50.0);
  Matrix u(1, cols);
  for (int j = 0; j < cols; ++j) u(0, j) = rng.uniform(-5.0, 5.0);
  const auto [z, log_det] = apply(*map, params, u);
  ASSERT_TRUE(z.allFinite() && log_det.allFinite());
  EXPECT_LE(z.cwiseAbs().maxCoeff(), 5.0);  // [-B, B] onto itself
  Matrix back, log_det_inverse = Matrix::Zero(1, cols);
  map->inverse(params, z, &back, &log_det_inverse);
  ASSERT_TRUE(back.allFinite() && log_det_inverse.allFinite());
  // Backward stable: forward(inverse(z)) reproduces z, and the error in u is that residual
  // divided by the slope g'(u). Measured 1.4e-14 (~15 ulp of B = 5); nflows' single root
  // formula, which cancels when b < 0, gave 6e-13 here.
  const auto [z_again, unused] = apply(*map, params, back);
  EXPECT_LT((z_again - z).cwiseAbs().maxCoeff(), 1e-13);
  const Eigen::ArrayXXd slope = log_det.array().exp();
  EXPECT_LT(((back - u).array().abs() * slope).maxCoeff(), 1e-13);
}

TEST(RationalQuadraticSpline, RejectsInvalidOptions) {
  RationalQuadraticSplineOptions o;
  std::string error;
  EXPECT_TRUE(o.is_valid(&error));
  o.bins = 1;
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("bins"), std::string::npos);
  o = {};
  o.min_bin_width = 0.2;  // 8 bins of at least 0.2 do not fit in 1
  EXPECT_FALSE(o.is_valid(&error));
  EXPECT_NE(error.find("min_bin_width"), std::string::npos);
  o = {};
  o.bound = 0;
  EXPECT_THROW(RationalQuadraticSpline{o}, core::Error);
}

}  // namespace
}  // namespace sbi::flows
