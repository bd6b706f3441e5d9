// The VAE's pieces against closed forms and finite differences: the KL term against a Monte
// Carlo estimate, the whole loss's gradient (encoder, reparameterisation, decoder,
// likelihood σ) for MLP and convolutional networks and both likelihoods, upsampling's adjoint.
#include <gtest/gtest.h>

#include <cmath>

#include "nn/gradient_check.h"
#include "nn/upsample.h"
#include "vae/elbo_objective.h"
#include "vae/latent.h"
#include "vae/vae_model.h"

namespace sbi::vae {
namespace {

TEST(VaeLatent, ClosedFormKlMatchesMonteCarlo) {
  nn::Matrix h(6, 1);
  h << 0.3, -1.2, 0.8, std::log(0.5), std::log(1.7), std::log(0.9);
  LatentSample s;
  sample_latent(h, nullptr, &s);
  const double kl = kl_to_standard_normal(s.mean, s.log_std)(0);
  // E_q[log q(z) - log p(z)] by Monte Carlo, 400000 draws.
  const int n = 400000;
  nn::Matrix many = h.replicate(1, n);
  core::Rng rng(4, 2);
  sample_latent(many, &rng, &s);
  const nn::RowVector diff = log_q(s) - log_standard_normal(s.z);
  const double mc = diff.mean();
  const double se = std::sqrt((diff.array() - mc).square().sum() / (n - 1) / n);
  EXPECT_NEAR(mc, kl, 4 * se) << "KL " << kl << ", standard error " << se;
  EXPECT_LT(se, 0.01);
  // KL(N(0, 1) || N(0, 1)) = 0.
  EXPECT_EQ(kl_to_standard_normal(nn::Matrix::Zero(3, 1), nn::Matrix::Zero(3, 1))(0), 0.0);
}

// The loss of a fixed batch with fixed ε (begin_epoch reseeds) as a function of all weights.
void check_loss_gradient(Vae* vae, const nn::Matrix& u, double beta, double tolerance) {
  BetaOptions bo;
  bo.beta = beta;
  BetaControl control(bo);
  ElboObjective objective(vae, &control, u, u.leftCols(2), 7);
  const nn::Parameters params = vae->parameters();
  std::vector<long> batch(u.cols());
  for (long i = 0; i < u.cols(); ++i) batch[i] = i;
  std::vector<double> terms;
  auto loss = [&](const nn::Vector& w) {
    nn::unflatten_values(w, params);
    objective.begin_epoch(1);
    nn::zero_grad(params);
    return objective.loss_and_gradient(batch, &terms);
  };
  const nn::Vector w0 = nn::flatten_values(params);
  loss(w0);
  const nn::Vector analytic = nn::flatten_grads(params);
  const nn::GradientCheckResult r = nn::check_gradient(loss, w0, analytic, tolerance);
  EXPECT_TRUE(r.ok) << r.message;
  nn::unflatten_values(w0, params);
}

TEST(VaeGradients, MlpNetworksWithGaussianLearnedSigma) {
  VaeOptions o;
  o.latent = 3;
  o.hidden = 7;
  o.layers = 2;
  o.activation = nn::Activation::kTanh;  // smooth: finite differences need no kinks
  o.sigma = 0.7;
  o.learn_sigma = true;
  o.seed = 3;
  Vae vae = Vae::create(o, core::DataShape::vector(5));
  core::Rng rng(1, 1);
  nn::Matrix u(5, 6);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = rng.normal();
  check_loss_gradient(&vae, u, 0.7, 1e-6);
}

TEST(VaeGradients, MlpNetworksWithBernoulli) {
  VaeOptions o;
  o.latent = 2;
  o.hidden = 6;
  o.layers = 1;
  o.activation = nn::Activation::kTanh;
  o.likelihood = LikelihoodKind::kBernoulli;
  o.seed = 5;
  Vae vae = Vae::create(o, core::DataShape::vector(4));
  core::Rng rng(2, 1);
  nn::Matrix u(4, 5);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = rng.uniform();
  check_loss_gradient(&vae, u, 1.0, 1e-6);
}

TEST(VaeGradients, CnnEncoderAndConvDecoderOnImages) {
  VaeOptions o;
  o.latent = 2;
  o.encoder = "cnn";
  o.decoder = "conv";
  o.hidden = 6;
  o.channels = {3, 2};
  o.activation = nn::Activation::kTanh;
  o.seed = 9;
  // 7 x 6 pixels: the decoder starts from 2 x 2, upsamples to 8 x 8 and crops.
  Vae vae = Vae::create(o, core::DataShape::image(7, 6));
  core::Rng rng(3, 1);
  nn::Matrix u(42, 3);
  for (Eigen::Index i = 0; i < u.size(); ++i) u.data()[i] = rng.normal();
  check_loss_gradient(&vae, u, 1.3, 1e-5);
}

TEST(VaeGradients, UpsamplingAndCroppingAreAdjointToTheirBackward) {
  const nn::ImageShape in{2, 3, 4}, big = nn::upsampled_shape(in), small{2, 5, 7};
  core::Rng rng(8, 1);
  nn::Matrix x(in.flat_dim(), 3), g(big.flat_dim(), 3), up, back, cropped, cropped_back;
  for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.normal();
  for (Eigen::Index i = 0; i < g.size(); ++i) g.data()[i] = rng.normal();
  nn::upsample_2x(x, in, &up);
  EXPECT_EQ(up(1 * big.pixels() + 3 * big.width + 5, 0), x(1 * in.pixels() + 1 * in.width + 2, 0));
  nn::upsample_2x_backward(in, g, &back);
  EXPECT_NEAR((up.array() * g.array()).sum(), (x.array() * back.array()).sum(), 1e-12);
  nn::crop_images(g, big, small, &cropped);
  nn::Matrix c(small.flat_dim(), 3);
  for (Eigen::Index i = 0; i < c.size(); ++i) c.data()[i] = rng.normal();
  nn::crop_images_backward(big, small, c, &cropped_back);
  EXPECT_NEAR((cropped.array() * c.array()).sum(), (g.array() * cropped_back.array()).sum(), 1e-12);
}

}  // namespace
}  // namespace sbi::vae
