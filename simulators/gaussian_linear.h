// Gaussian linear tasks (sbibm "gaussian_linear" and "gaussian_linear_uniform"; Lueckmann et
// al. 2021, sbibm/tasks/gaussian_linear{,_uniform}/task.py):
//   x | θ ~ N(θ, noise_var · I),  θ ∈ R^dim,
// with prior N(0, prior_var · I) or U(-prior_bound, prior_bound)^dim. sbibm's defaults are
// dim = 10 and prior_var = noise_var = 0.1; sbibm calls these "scales" but uses them as
// covariances (precision = (0.1 I)⁻¹), so 0.1 is a variance.
#pragma once

#include "simulators/simulator.h"

namespace sbi::simulators {

class GaussianLinear final : public Simulator {
 public:
  // `name` is the task name reported by name(); dim >= 1, noise_var > 0.
  GaussianLinear(std::string name, int dim, double noise_var);

  std::string name() const override { return name_; }
  int theta_dim() const override { return dim_; }
  int x_dim() const override { return dim_; }
  double noise_var() const { return noise_var_; }
  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override;

 private:
  std::string name_;
  int dim_;
  double noise_var_;
  double noise_std_;
};

struct GaussianLinearConfig {
  int dim = 10;            // dimension of θ and x
  double prior_var = 0.1;  // prior N(0, prior_var · I)
  double noise_var = 0.1;  // x | θ ~ N(θ, noise_var · I)
};

struct GaussianLinearUniformConfig {
  int dim = 10;              // dimension of θ and x
  double prior_bound = 1.0;  // prior U(-prior_bound, prior_bound)^dim
  double noise_var = 0.1;    // x | θ ~ N(θ, noise_var · I)
};

// Task "gaussian_linear". Throws core::Error on a non-positive dim or variance.
Task make_gaussian_linear_task(const GaussianLinearConfig& config = {});
// Task "gaussian_linear_uniform". Throws core::Error on a non-positive dim, bound or variance.
Task make_gaussian_linear_uniform_task(const GaussianLinearUniformConfig& config = {});

struct GaussianPosterior {
  Eigen::VectorXd mean;
  Eigen::MatrixXd cov;
};

// Exact posterior of "gaussian_linear" for one observation (conjugate Normal-Normal, per dim):
//   var = prior_var · noise_var / (prior_var + noise_var),
//   mean = x_obs · prior_var / (prior_var + noise_var),  cov = var · I.
GaussianPosterior gaussian_linear_posterior(const Eigen::VectorXd& x_obs, double prior_var = 0.1,
                                            double noise_var = 0.1);

}  // namespace sbi::simulators
