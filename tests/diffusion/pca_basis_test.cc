// The principal-component basis of image priors (diffusion/pca_basis.h): exact round trips
// on the span, whitened coefficients, the choice of K, observations moved to coefficients.
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "core/rng.h"
#include "diffusion/pca_basis.h"

namespace sbi::diffusion {
namespace {

// n samples of mean + L z, z ~ N(0, I): data on a rank(L) affine subspace of R^rows(L).
Matrix low_rank(const Matrix& l, const Vector& mean, int n, core::Rng* rng) {
  Matrix z(l.cols(), n);
  for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng->normal();
  return (l * z).colwise() + mean;
}

TEST(PcaBasis, RoundTripsOnTheSpanAndWhitensTheData) {
  core::Rng rng(3, 0);
  Matrix l(10, 3);
  for (Eigen::Index i = 0; i < l.size(); ++i) l.data()[i] = rng.normal();
  const Vector mean = Vector::LinSpaced(10, -1, 2);
  const Matrix x = low_rank(l, mean, 500, &rng);
  // Rank 3: the other 7 eigenvalues are rounding, below 1e-12 tr C, and never kept.
  const PcaBasis b = PcaBasis::fit(x, 10, 1.0);
  ASSERT_EQ(b.size(), 3);
  EXPECT_NEAR(b.retained_fraction(), 1.0, 1e-12);
  EXPECT_NO_THROW(b.check("test"));
  const Matrix w = b.encode(x);
  EXPECT_LT((b.decode(w) - x).cwiseAbs().maxCoeff(), 1e-10);
  // The sample mean and covariance of the coefficients are exactly 0 and I.
  EXPECT_LT(w.rowwise().mean().cwiseAbs().maxCoeff(), 1e-12);
  const Matrix centred = w.colwise() - w.rowwise().mean();
  const Matrix cov = centred * centred.transpose() / static_cast<double>(x.cols() - 1);
  EXPECT_LT((cov - Matrix::Identity(3, 3)).cwiseAbs().maxCoeff(), 1e-10);
  Matrix v(3, 4);
  for (Eigen::Index i = 0; i < v.size(); ++i) v.data()[i] = rng.normal();
  EXPECT_LT((b.encode(b.decode(v)) - v).cwiseAbs().maxCoeff(), 1e-10);
}

TEST(PcaBasis, KeepsTheFewestComponentsHoldingTheVarianceFraction) {
  core::Rng rng(4, 0);
  // Independent coordinates of standard deviations 4, 2, 1, 0.5, 0.25.
  const Vector sd = (Vector(5) << 4, 2, 1, 0.5, 0.25).finished();
  const Matrix x = low_rank(Matrix(sd.asDiagonal()), Vector::Zero(5), 4000, &rng);
  const PcaBasis all = PcaBasis::fit(x, 5, 1.0);
  ASSERT_EQ(all.size(), 5);
  for (double fraction : {0.5, 0.8, 0.95, 0.99, 0.999}) {
    const PcaBasis b = PcaBasis::fit(x, 5, fraction);
    const double kept = all.variances.head(b.size()).sum() / all.total_variance;
    const double one_less = all.variances.head(b.size() - 1).sum() / all.total_variance;
    EXPECT_GE(kept, fraction * (1 - 1e-12)) << fraction;
    EXPECT_LT(one_less, fraction) << fraction;
    EXPECT_NEAR(b.retained_fraction(), kept, 1e-12);
  }
  EXPECT_EQ(PcaBasis::fit(x, 2, 1.0).size(), 2);  // max_components caps K
  // The leading direction is the first coordinate (sd 4), its variance 16 within sampling
  // error (relative sd sqrt(2 / 4000) = 2.2%).
  EXPECT_NEAR(std::abs(all.components(0, 0)), 1.0, 1e-2);
  EXPECT_NEAR(all.variances[0], 16.0, 16.0 * 0.09);
}

TEST(PcaBasis, MovesALinearObservationToTheCoefficients) {
  core::Rng rng(5, 0);
  Matrix l(6, 4);
  for (Eigen::Index i = 0; i < l.size(); ++i) l.data()[i] = rng.normal();
  const PcaBasis b = PcaBasis::fit(low_rank(l, Vector::Constant(6, 0.3), 200, &rng), 6, 1.0);
  Matrix a(3, 6);
  for (Eigen::Index i = 0; i < a.size(); ++i) a.data()[i] = rng.normal();
  LinearObservation pixels;
  pixels.forward = a.sparseView();
  pixels.y = Vector::Constant(3, 1.5);
  pixels.sigma = Vector::Constant(3, 0.2);
  const LinearObservation coeffs = b.in_coefficients(pixels);
  // The residual of y for x = decode(w) is the residual of y' for w.
  Matrix w(b.size(), 5);
  for (Eigen::Index i = 0; i < w.size(); ++i) w.data()[i] = rng.normal();
  const Matrix pixel_residual = (-(a * b.decode(w))).colwise() + pixels.y;
  const Matrix coeff_residual = (-(coeffs.forward * w)).colwise() + coeffs.y;
  EXPECT_LT((pixel_residual - coeff_residual).cwiseAbs().maxCoeff(), 1e-10);
  EXPECT_EQ(coeffs.sigma, pixels.sigma);
  LinearObservation wrong = pixels;
  wrong.forward = Matrix(3, 5).setOnes().sparseView();
  EXPECT_THROW(b.in_coefficients(wrong), core::Error);
}

TEST(PcaBasis, RefusesBadDataAndDamagedBases) {
  Matrix x = Matrix::Random(4, 10);
  EXPECT_THROW(PcaBasis::fit(x.leftCols(1), 4, 1.0), core::Error);  // one sample
  EXPECT_THROW(PcaBasis::fit(x, 0, 1.0), core::Error);
  EXPECT_THROW(PcaBasis::fit(x, 4, 0.0), core::Error);
  EXPECT_THROW(PcaBasis::fit(x, 4, 1.5), core::Error);
  EXPECT_THROW(PcaBasis::fit(Matrix::Ones(4, 10), 4, 1.0), core::Error);  // no variance
  Matrix bad = x;
  bad(2, 3) = std::nan("");
  EXPECT_THROW(PcaBasis::fit(bad, 4, 1.0), core::Error);
  const PcaBasis b = PcaBasis::fit(x, 4, 1.0);
  EXPECT_THROW(b.encode(Matrix::Zero(3, 2)), core::Error);
  EXPECT_THROW(b.decode(Matrix::Zero(b.size() + 1, 2)), core::Error);
  PcaBasis skewed = b;
  skewed.components(0, 0) += 0.1;
  EXPECT_THROW(skewed.check("test"), core::Error);
  PcaBasis unordered = b;
  std::swap(unordered.variances[0], unordered.variances[1]);
  EXPECT_THROW(unordered.check("test"), core::Error);
  PcaBasis negative = b;
  negative.variances[b.size() - 1] = -1;
  EXPECT_THROW(negative.check("test"), core::Error);
}

}  // namespace
}  // namespace sbi::diffusion
