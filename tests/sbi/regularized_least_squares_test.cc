// Tikhonov-regularised least squares (sbi/regularized_least_squares.h) against the normal
// equations, and Morozov's discrepancy principle.
#include <gtest/gtest.h>

#include <cmath>

#include <Eigen/Cholesky>

#include "core/error.h"
#include "core/rng.h"
#include "sbi/regularized_least_squares.h"

namespace sbi {
namespace {

using diffusion::LinearObservation;

// y = A x + n with A 40 x 12 (a blur-like, badly conditioned operator), σ per entry.
LinearObservation problem(core::Rng* rng, Eigen::VectorXd* truth) {
  const int m = 40, d = 12;
  Eigen::MatrixXd a(m, d);
  for (int i = 0; i < m; ++i)
    for (int j = 0; j < d; ++j) a(i, j) = std::exp(-std::pow((i * d / static_cast<double>(m) - j) / 2.0, 2));
  *truth = Eigen::VectorXd(d);
  for (int j = 0; j < d; ++j) (*truth)[j] = std::sin(0.7 * j) + 1;
  LinearObservation o;
  o.forward = a.sparseView();
  o.sigma = Eigen::VectorXd::LinSpaced(m, 0.05, 0.15);
  o.y = a * *truth;
  for (int i = 0; i < m; ++i) o.y[i] += o.sigma[i] * rng->normal();
  return o;
}

TEST(RegularizedLeastSquares, SolvesTheNormalEquationsForAGivenLambda) {
  core::Rng rng(1, 0);
  Eigen::VectorXd truth;
  const LinearObservation o = problem(&rng, &truth);
  const Eigen::MatrixXd a = o.forward;
  const Eigen::VectorXd w = o.sigma.array().square().inverse();
  for (double lambda : {1e-3, 1.0, 30.0}) {
    const Eigen::MatrixXd h = a.transpose() * w.asDiagonal() * a +
                              lambda * Eigen::MatrixXd::Identity(a.cols(), a.cols());
    const Eigen::VectorXd expected = h.llt().solve(a.transpose() * w.cwiseProduct(o.y));
    const RegularizedLeastSquares r = regularized_least_squares(o, lambda);
    EXPECT_EQ(r.lambda, lambda);
    EXPECT_LT((r.solution - expected).cwiseAbs().maxCoeff(), 1e-8 * expected.cwiseAbs().maxCoeff());
    EXPECT_NEAR(r.chi2, ((o.y - a * expected).array().square() * w.array()).sum(), 1e-8 * r.chi2);
  }
}

TEST(RegularizedLeastSquares, TheDiscrepancyPrincipleFitsToTheNoise) {
  core::Rng rng(2, 0);
  Eigen::VectorXd truth;
  const LinearObservation o = problem(&rng, &truth);
  const RegularizedLeastSquares r = regularized_least_squares(o);
  EXPECT_TRUE(r.discrepancy_met);
  EXPECT_NEAR(r.chi2 / 40.0, 1.0, 1e-6);
  EXPECT_GT(r.lambda, 0);
  // χ² grows with λ: a smaller λ fits closer, a larger one looser.
  EXPECT_LT(regularized_least_squares(o, r.lambda / 2).chi2, r.chi2);
  EXPECT_GT(regularized_least_squares(o, r.lambda * 2).chi2, r.chi2);
  // Data that x = 0 already fits (χ²(0) <= m): λ at its largest, the solution ~0.
  LinearObservation quiet = o;
  quiet.y.setZero();
  const RegularizedLeastSquares q = regularized_least_squares(quiet);
  EXPECT_FALSE(q.discrepancy_met);
  EXPECT_LT(q.solution.cwiseAbs().maxCoeff(), 1e-12);
}

TEST(RegularizedLeastSquares, RefusesBadInput) {
  core::Rng rng(3, 0);
  Eigen::VectorXd truth;
  LinearObservation o = problem(&rng, &truth);
  EXPECT_THROW(regularized_least_squares(o, std::nan("")), core::Error);
  LinearObservation nan_y = o;
  nan_y.y[3] = std::nan("");
  EXPECT_THROW(regularized_least_squares(nan_y), core::Error);
  LinearObservation zero_sigma = o;
  zero_sigma.sigma[0] = 0;
  EXPECT_THROW(regularized_least_squares(zero_sigma), core::Error);
  // λ = 0 with more unknowns than data: A^T W A is singular.
  LinearObservation wide;
  wide.forward = Eigen::MatrixXd::Ones(2, 5).sparseView();
  wide.y = Eigen::VectorXd::Ones(2);
  wide.sigma = Eigen::VectorXd::Ones(2);
  EXPECT_THROW(regularized_least_squares(wide, 0.0), core::Error);
}

}  // namespace
}  // namespace sbi
