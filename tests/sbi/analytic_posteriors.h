// Exact posteriors for the diagnostics tests (header only, shared by tests/sbi/*_test.cc).
//
// Gaussian linear task: theta ~ N(0, pv I), x | theta ~ N(theta, nv I), so
//   p(theta | x) = N(x pv / (pv + nv), pv nv / (pv + nv) I)   (simulators/gaussian_linear.h).
// GaussianLinearPosterior is that posterior, optionally broken on purpose: its standard
// deviation multiplied by sd_factor (0.5 = covariance shrunk by 4, overconfident) and its
// mean shifted by shift_sd posterior standard deviations in every parameter (biased).
//
// GaussianDensity is a ConditionalDensity q(theta | c) = N(theta; a c + b, s^2 I), so a
// PosteriorModel can carry an exact posterior (for MAP and the ModelPosterior adapter).
#pragma once

#include <cmath>
#include <memory>
#include <optional>
#include <stdexcept>

#include <gtest/gtest.h>

#include "core/prior.h"
#include "flows/conditional_density.h"
#include "nn/embedding.h"
#include "sbi/posterior_model.h"
#include "sbi/posterior_sampler.h"
#include "sbi/posterior_under_test.h"
#include "simulators/batch.h"
#include "simulators/gaussian_linear.h"
#include "simulators/registry.h"

namespace sbi::testing {

class GaussianLinearPosterior final : public PosteriorUnderTest {
 public:
  GaussianLinearPosterior(int dim, double prior_var = 0.1, double noise_var = 0.1,
                          double sd_factor = 1.0, double shift_sd = 0.0)
      : dim_(dim),
        shrink_(prior_var / (prior_var + noise_var)),
        sd_(std::sqrt(prior_var * noise_var / (prior_var + noise_var))),
        sd_factor_(sd_factor),
        shift_sd_(shift_sd) {}

  int theta_dim() const override { return dim_; }
  double exact_sd() const { return sd_; }
  Eigen::VectorXd mean(const Eigen::VectorXd& x) const {
    return (shrink_ * x).array() + shift_sd_ * sd_;
  }

  Eigen::MatrixXd sample(long n, const Eigen::VectorXd& x, core::Rng* rng,
                         Eigen::VectorXd* log_prob) const override {
    const Eigen::VectorXd mu = mean(x);
    Eigen::MatrixXd z(dim_, n);
    for (Eigen::Index i = 0; i < z.size(); ++i) z.data()[i] = rng->normal();
    const Eigen::MatrixXd theta = (sd_factor_ * sd_ * z).colwise() + mu;
    if (log_prob != nullptr) *log_prob = this->log_prob(theta, x);
    return theta;
  }

  Eigen::VectorXd log_prob(const Eigen::MatrixXd& theta, const Eigen::VectorXd& x) const override {
    const double s = sd_factor_ * sd_;
    const Eigen::VectorXd mu = mean(x);
    return (-0.5 * ((theta.colwise() - mu) / s).colwise().squaredNorm().array() -
            dim_ * (std::log(s) + 0.5 * std::log(2 * M_PI)))
        .matrix()
        .transpose();
  }

 private:
  int dim_;
  double shrink_, sd_, sd_factor_, shift_sd_;
};

class GaussianDensity final : public flows::ConditionalDensity {
 public:
  // q(theta | c) = N(theta; a c + b, s^2 I); theta and c have the same dimension.
  GaussianDensity(int dim, double a, double b, double s) : dim_(dim), a_(a), b_(b), s_(s) {}

  std::string kind() const override { return "test_gaussian"; }
  int theta_dim() const override { return dim_; }
  int context_dim() const override { return dim_; }
  flows::Hyperparameters hyperparameters() const override { return {}; }

  flows::Vector log_prob(const flows::Matrix& theta, const flows::Matrix& context) const override {
    const Eigen::MatrixXd z = (theta - (a_ * context).array().matrix()).array() - b_;
    return (-0.5 * z.colwise().squaredNorm().array() / (s_ * s_) -
            dim_ * (std::log(s_) + 0.5 * std::log(2 * M_PI)))
        .matrix()
        .transpose();
  }
  flows::Matrix sample(const flows::Matrix& context, core::Rng* rng,
                       flows::Vector* log_prob) const override {
    flows::Matrix theta(dim_, context.cols());
    for (Eigen::Index i = 0; i < theta.size(); ++i)
      theta.data()[i] = a_ * context.data()[i] + b_ + s_ * rng->normal();
    if (log_prob != nullptr) *log_prob = this->log_prob(theta, context);
    return theta;
  }
  double loss_and_gradient(const flows::Matrix&, const flows::Matrix&, flows::Matrix*) override {
    throw std::logic_error("GaussianDensity is not trainable");
  }
  flows::Vector log_prob_and_gradient(const flows::Matrix& theta, const flows::Matrix& context,
                                      flows::Matrix* grad_theta) override {
    if (grad_theta != nullptr)
      *grad_theta = -(((theta - a_ * context).array() - b_) / (s_ * s_)).matrix();
    return log_prob(theta, context);
  }
  nn::Parameters parameters() override { return {}; }

 private:
  int dim_;
  double a_, b_, s_;
};

// A PosteriorModel whose density is GaussianDensity(dim, a, b, s) on raw theta and x.
inline PosteriorModel gaussian_model(int dim, double a, double b, double s,
                                     std::optional<core::Prior> prior) {
  PosteriorModel m;
  m.density = std::make_unique<GaussianDensity>(dim, a, b, s);
  m.embedding = std::make_unique<nn::IdentityEmbedding>(dim);
  m.theta_norm = Standardizer::identity(dim);
  m.x_norm = Standardizer::identity(dim);
  m.prior = std::move(prior);
  for (int d = 0; d < dim; ++d) {
    m.parameter_names.push_back("theta_" + std::to_string(d));
    m.data_names.push_back("x_" + std::to_string(d));
  }
  return m;
}

// The training set and the network of the Gaussian-linear training tests (npe_test.cc and
// those checked against its bounds): n pairs of the 2-D task (seed 5), and a realnvp of 4
// couplings of width 32 (seed 5) carrying the task's prior.
inline simulators::SimulationBatch gaussian_linear_pairs(long n) {
  simulators::SimulateOptions so;
  so.seed = 5;
  return simulators::simulate_from_prior(simulators::make_task("gaussian_linear", {{"dim", "2"}}), n, so);
}
inline PosteriorModel gaussian_linear_test_model() {
  ModelOptions mo;
  mo.density.kind = DensityKind::kRealNVP;
  mo.density.transforms = 4;
  mo.density.hidden = 32;
  mo.seed = 5;
  PosteriorModel model = PosteriorModel::create(mo, 2, 2);
  model.prior = simulators::make_task("gaussian_linear", {{"dim", "2"}}).prior;
  return model;
}

// A model trained on the 2-D Gaussian-linear task (θ ~ N(0, 0.1 I), x ~ N(θ, 0.1 I)) against
// its closed-form posterior at two observations, 20000 draws each (seed 9): means within 0.15
// posterior sd (a wrong z-scoring of θ or x shifts them by more than 0.5 sd; the draws' own
// error is 0.007 sd), variances within 15% (a scale error in a Jacobian would be 2x), the
// covariance within 0.1 of a variance. The bounds of Npe.RecoversTheAnalyticGaussianLinear-
// Posterior (npe_test.cc), for every test that trains on that task's 20000 pairs.
inline void expect_gaussian_linear_posterior(const PosteriorModel& model) {
  for (const Eigen::Vector2d& x_obs : {Eigen::Vector2d(0.1, -0.3), Eigen::Vector2d(-0.5, 0.4)}) {
    const simulators::GaussianPosterior exact = simulators::gaussian_linear_posterior(x_obs);
    SampleOptions so;
    so.num_samples = 20000;
    so.seed = 9;
    SampleSummary ss;
    const PosteriorSamples s = sample_posterior(model, x_obs, so, &ss);
    const Eigen::Vector2d mean = s.theta.rowwise().mean();
    const Eigen::MatrixXd centred = s.theta.colwise() - mean;
    const Eigen::Matrix2d cov = centred * centred.transpose() / (s.theta.cols() - 1);
    const double sd = std::sqrt(exact.cov(0, 0));
    EXPECT_NEAR(mean(0), exact.mean(0), 0.15 * sd) << x_obs.transpose();
    EXPECT_NEAR(mean(1), exact.mean(1), 0.15 * sd) << x_obs.transpose();
    EXPECT_NEAR(cov(0, 0) / exact.cov(0, 0), 1.0, 0.15) << x_obs.transpose();
    EXPECT_NEAR(cov(1, 1) / exact.cov(1, 1), 1.0, 0.15) << x_obs.transpose();
    EXPECT_NEAR(cov(0, 1) / exact.cov(0, 0), 0.0, 0.1) << x_obs.transpose();
  }
}

}  // namespace sbi::testing
