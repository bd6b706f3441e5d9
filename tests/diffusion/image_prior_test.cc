// Posterior sampling through an image prior (diffusion/image_prior.h) where the answer is
// known: a score model whose network outputs zero is the exact noise predictor of N(0, I)
// coefficients, so the prior over images is N(μ, B B^T), B = U diag(sqrt λ), and for
// y = A x + n the posterior of the coefficients is N(m, C), C = (I + A'^T W A')^{-1},
// m = C A'^T W (y - A μ), A' = A B. Tweedie guidance is exact for Gaussian priors
// (tests/diffusion/inverse_problem_test.cc), so the decoded draws must have mean μ + B m and
// covariance B C B^T up to sampling and discretisation error.
#include <gtest/gtest.h>

#include <cmath>

#include <Eigen/Cholesky>
#include <Eigen/LU>

#include "core/error.h"
#include "core/rng.h"
#include "diffusion/image_prior.h"

namespace sbi::diffusion {
namespace {

struct GaussianImagePrior {
  PcaBasis basis;
  ScoreModelOptions options;

  GaussianImagePrior() {
    core::Rng rng(7, 0);
    Matrix l(6, 3);  // 2 x 3 images on a 3-dimensional subspace
    for (Eigen::Index i = 0; i < l.size(); ++i) l.data()[i] = rng.normal();
    Matrix z(3, 400);
    for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng.normal();
    basis = PcaBasis::fit((l * z).colwise() + Vector::LinSpaced(6, 0, 1), 6, 1.0);
    options.theta_dim = basis.size();
    options.hidden = 8;
    options.num_blocks = 1;
  }
  ImagePrior prior() const {
    ScoreModel score(options);
    for (nn::Parameter& p : score.parameters()) p.value->setZero();
    return ImagePrior(basis, std::move(score), core::DataShape::image(2, 3));
  }
};

TEST(ImagePrior, TweedieGuidanceDrawsTheExactGaussianPosterior) {
  const GaussianImagePrior g;
  const ImagePrior prior = g.prior();
  ASSERT_EQ(prior.basis().size(), 3);
  // Two noisy sums of pixels, their noise of the prior's own scale: there the approximate
  // guidances are biased (convolved fails three of the checks below), tweedie is not.
  Matrix a = Matrix::Zero(2, 6);
  a.row(0) << 1, 1, 1, 0, 0, 0;
  a.row(1) << 0, 0.5, 0, 1, 1, 0.5;
  LinearObservation obs;
  obs.forward = a.sparseView();
  obs.y = (Vector(2) << 2.0, 1.0).finished();
  obs.sigma = (Vector(2) << 1.5, 2.5).finished();

  const Matrix b = g.basis.components * g.basis.variances.array().sqrt().matrix().asDiagonal();
  const Matrix ab = a * b;
  const Matrix w = obs.sigma.array().square().inverse().matrix().asDiagonal();
  const Matrix c = (Matrix::Identity(3, 3) + ab.transpose() * w * ab).inverse();
  const Vector m = c * ab.transpose() * w * (obs.y - a * g.basis.mean);
  const Vector mean = g.basis.mean + b * m;
  const Matrix cov = b * c * b.transpose();

  PosteriorSamplingOptions options;
  options.guidance = Guidance::kTweedie;
  options.sde.steps = 1000;
  core::Rng rng(11, 0);
  const long n = 8000;
  const Matrix x = prior.posterior_sample(obs, options, n, &rng);
  ASSERT_EQ(x.rows(), 6);
  const Vector sample_mean = x.rowwise().mean();
  const Matrix centred = x.colwise() - sample_mean;
  const Matrix sample_cov = centred * centred.transpose() / static_cast<double>(n - 1);
  // Mean: within 4.5 standard errors sqrt(cov_ii / n) (plus 0.01 sd for the discretisation);
  // covariance: within 4.5 standard errors sqrt((cov_ii cov_jj + cov_ij^2) / n) plus 2%.
  for (int i = 0; i < 6; ++i) {
    const double sd = std::sqrt(cov(i, i));
    EXPECT_NEAR(sample_mean[i], mean[i], 4.5 * sd / std::sqrt(n) + 0.01 * sd) << i;
    for (int j = 0; j < 6; ++j) {
      const double se = std::sqrt((cov(i, i) * cov(j, j) + cov(i, j) * cov(i, j)) / n);
      EXPECT_NEAR(sample_cov(i, j), cov(i, j), 4.5 * se + 0.02 * std::sqrt(cov(i, i) * cov(j, j)))
          << i << ", " << j;
    }
  }
}

TEST(ImagePrior, DrawsAreReproducibleAndMismatchesRefused) {
  const GaussianImagePrior g;
  const ImagePrior prior = g.prior();
  LinearObservation obs;
  obs.forward = Matrix::Identity(6, 6).sparseView();
  obs.y = Vector::Constant(6, 0.5);
  obs.sigma = Vector::Constant(6, 0.2);
  PosteriorSamplingOptions options;
  options.sde.steps = 20;
  core::Rng r1(3, 0), r2(3, 0);
  // 600 draws: three chunks, one random stream each.
  const Matrix a = prior.posterior_sample(obs, options, 600, &r1);
  const Matrix b = prior.posterior_sample(obs, options, 600, &r2);
  EXPECT_EQ(a, b);
  EXPECT_EQ(prior.sample(5, &r1).rows(), 6);
  // The observation must be of the images' 6 pixels.
  LinearObservation wrong = obs;
  wrong.forward = Matrix::Identity(6, 5).sparseView();
  EXPECT_THROW(prior.posterior_sample(wrong, options, 4, &r1), core::Error);
  // A score model of another size, a conditional one, the ot path, a wrong shape.
  ScoreModelOptions other = g.options;
  other.theta_dim = 2;
  EXPECT_THROW(ImagePrior(g.basis, ScoreModel(other), core::DataShape::image(2, 3)), core::Error);
  other = g.options;
  other.context_dim = 1;
  EXPECT_THROW(ImagePrior(g.basis, ScoreModel(other), core::DataShape::image(2, 3)), core::Error);
  EXPECT_THROW(ImagePrior(g.basis, ScoreModel(g.options), core::DataShape::image(3, 3)), core::Error);
}

}  // namespace
}  // namespace sbi::diffusion
