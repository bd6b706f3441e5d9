// Gaussian linear tasks, as sbibm/tasks/gaussian_linear/task.py and
// sbibm/tasks/gaussian_linear_uniform/task.py; posterior as
// GaussianLinear._get_reference_posterior.
#include "simulators/gaussian_linear.h"

#include <cmath>
#include <cstdio>
#include <utility>

#include "core/error.h"

namespace sbi::simulators {
namespace {

void check_positive(double value, const char* function, const char* argument) {
  if (std::isfinite(value) && value > 0) return;
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  throw core::Error(std::string(function) + ": " + argument + " = " + text +
                    ", must be finite and > 0");
}

}  // namespace

GaussianLinear::GaussianLinear(std::string name, int dim, double noise_var)
    : name_(std::move(name)), dim_(dim), noise_var_(noise_var), noise_std_(std::sqrt(noise_var)) {
  core::check(dim >= 1, "GaussianLinear: dim = " + std::to_string(dim) + ", must be >= 1");
  check_positive(noise_var, "GaussianLinear", "noise_var");
}

void GaussianLinear::simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                              Eigen::Ref<Eigen::VectorXd> x) const {
  check_simulate_args(*this, theta, rng, x, "GaussianLinear::simulate");
  for (int j = 0; j < dim_; ++j) x[j] = theta[j] + noise_std_ * rng->normal();
}

Task make_gaussian_linear_task(const GaussianLinearConfig& config) {
  check_positive(config.prior_var, "make_gaussian_linear_task", "prior_var");
  const int dim = config.dim;
  auto sim = std::make_unique<GaussianLinear>("gaussian_linear", dim, config.noise_var);
  return {std::move(sim),
          core::Prior::normal(Eigen::VectorXd::Zero(dim),
                              Eigen::VectorXd::Constant(dim, std::sqrt(config.prior_var)))};
}

Task make_gaussian_linear_uniform_task(const GaussianLinearUniformConfig& config) {
  check_positive(config.prior_bound, "make_gaussian_linear_uniform_task", "prior_bound");
  const int dim = config.dim;
  auto sim = std::make_unique<GaussianLinear>("gaussian_linear_uniform", dim, config.noise_var);
  return {std::move(sim),
          core::Prior::box_uniform(Eigen::VectorXd::Constant(dim, -config.prior_bound),
                                   Eigen::VectorXd::Constant(dim, config.prior_bound))};
}

GaussianPosterior gaussian_linear_posterior(const Eigen::VectorXd& x_obs, double prior_var,
                                            double noise_var) {
  check_positive(prior_var, "gaussian_linear_posterior", "prior_var");
  check_positive(noise_var, "gaussian_linear_posterior", "noise_var");
  // Precisions add: 1/var = 1/prior_var + 1/noise_var; mean = var · x / noise_var (prior mean 0).
  const double var = prior_var * noise_var / (prior_var + noise_var);
  const int dim = static_cast<int>(x_obs.size());
  return {x_obs * (prior_var / (prior_var + noise_var)), Eigen::MatrixXd::Identity(dim, dim) * var};
}

}  // namespace sbi::simulators
