#include "sbi/lens_fit.h"

#include <ceres/ceres.h>

#include <Eigen/Eigenvalues>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <limits>
#include <memory>

#include "core/error.h"
#include "sbi/lens_fit_model.h"

namespace sbi {
namespace {

constexpr int kDim = LensImageModel::kNumParameters;

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.6g", v);
  return buf;
}

// "pixel (row r, column c)" of a flattened index.
std::string pixel_name(long p, int npix) {
  return "pixel (row " + std::to_string(p / npix) + ", column " + std::to_string(p % npix) + ")";
}

// The whitened residuals r_k = (m_p(θ) - d_p) / σ_p of the used pixels p = used[k], for Ceres'
// AutoDiffCostFunction: called with double (the simulator's image) or with Jets (its
// derivatives, lens_fit_model.h).
class WhitenedResiduals {
 public:
  WhitenedResiduals(const LensImageModel& model, Eigen::VectorXd data, Eigen::VectorXd sigma,
                    std::vector<long> used)
      : model_(model), data_(std::move(data)), sigma_(std::move(sigma)), used_(std::move(used)) {}

  template <class T>
  bool operator()(const T* theta, T* residuals) const {
    std::vector<T> image(static_cast<std::size_t>(model_.num_pixels()));
    try {
      model_.image(theta, image.data());
    } catch (const core::Error&) {
      return false;  // an unphysical θ: Ceres rejects the step (the bounds keep θ physical)
    }
    for (std::size_t k = 0; k < used_.size(); ++k)
      residuals[k] = (image[used_[k]] - data_[k]) / sigma_[k];
    return true;
  }

 private:
  const LensImageModel& model_;  // borrowed
  Eigen::VectorXd data_, sigma_;  // of the used pixels
  std::vector<long> used_;
};

// λ_min / λ_max of JᵀJ, J the Jacobian of the whitened residuals at θ.
double reciprocal_condition(const LensImageModel& model, const Eigen::VectorXd& theta,
                            const std::vector<long>& used, const Eigen::VectorXd& sigma) {
  Eigen::VectorXd image(model.num_pixels());
  Eigen::MatrixXd jacobian(model.num_pixels(), kDim);
  model.image_and_jacobian(theta, image, jacobian);
  Eigen::MatrixXd j(static_cast<long>(used.size()), kDim);
  for (std::size_t k = 0; k < used.size(); ++k) j.row(k) = jacobian.row(used[k]) / sigma[k];
  const Eigen::SelfAdjointEigenSolver<Eigen::MatrixXd> eigen(j.transpose() * j,
                                                             Eigen::EigenvaluesOnly);
  if (eigen.info() != Eigen::Success) return 0;
  const Eigen::VectorXd& lambda = eigen.eigenvalues();  // ascending
  return lambda[kDim - 1] > 0 ? std::max(lambda[0], 0.0) / lambda[kDim - 1] : 0;
}

void check_inputs(const simulators::StrongLensing& lensing, const core::Prior& prior,
                  const Eigen::VectorXd& observed, const Eigen::VectorXd& mask,
                  const Eigen::VectorXd& start) {
  const long n = lensing.x_dim();
  const int npix = lensing.config().npix;
  core::check(prior.dim() == kDim, "fit_lens: the prior has " + std::to_string(prior.dim()) +
                                       " parameters, the lensing task 12");
  core::check(!lensing.config().poisson,
              "fit_lens: the simulator has Poisson noise (poisson=1), whose sigma depends on the "
              "model; the least-squares fit needs a fixed per-pixel sigma (poisson=0)");
  core::check(observed.size() == n, "fit_lens: the observed image has " +
                                        std::to_string(observed.size()) + " pixels, the model " +
                                        std::to_string(npix) + " x " + std::to_string(npix));
  for (long p = 0; p < n; ++p)
    core::check(std::isfinite(observed[p]), "fit_lens: the observed image has " +
                                                fmt(observed[p]) + " at " + pixel_name(p, npix));
  core::check(mask.size() == 0 || mask.size() == n,
              "fit_lens: the mask has " + std::to_string(mask.size()) + " pixels, the image " +
                  std::to_string(npix) + " x " + std::to_string(npix));
  for (long p = 0; p < mask.size(); ++p)
    core::check(mask[p] == 0 || mask[p] == 1, "fit_lens: the mask has " + fmt(mask[p]) + " at " +
                                                  pixel_name(p, npix) +
                                                  "; it must be 1 (use) or 0 (ignore)");
  core::check(start.size() == kDim, "fit_lens: the start has " + std::to_string(start.size()) +
                                        " entries, expected 12");
  lensing.check_theta(start, "fit_lens: the start");
  const Eigen::VectorXd low = prior.lower(), high = prior.upper();
  const std::vector<std::string> names = lensing.parameter_names();
  for (int i = 0; i < kDim; ++i)
    core::check(start[i] >= low[i] && start[i] <= high[i],
                "fit_lens: the start's " + names[i] + " = " + fmt(start[i]) + " (theta[" +
                    std::to_string(i) + "]) is outside the prior's support [" + fmt(low[i]) +
                    ", " + fmt(high[i]) + "]");
}

}  // namespace

bool LensFitOptions::is_valid(std::string* error) const {
  if (max_iterations < 1)
    *error = "LensFitOptions::max_iterations = " + std::to_string(max_iterations) +
             " must be >= 1";
  else if (!(function_tolerance >= 0 && gradient_tolerance >= 0 && parameter_tolerance >= 0))
    *error = "LensFitOptions: tolerances must be >= 0";
  else
    return true;
  return false;
}

Eigen::VectorXd fit_lens(const simulators::StrongLensing& lensing, const core::Prior& prior,
                         const Eigen::VectorXd& observed, const Eigen::VectorXd& mask,
                         const Eigen::VectorXd& start, const LensFitOptions& options,
                         LensFitSummary* summary) {
  const auto t0 = std::chrono::steady_clock::now();
  core::check_valid(options, "fit_lens");
  check_inputs(lensing, prior, observed, mask, start);
  *summary = LensFitSummary{};
  const int npix = lensing.config().npix;

  // The used pixels, with their data and σ.
  std::vector<long> used;
  for (long p = 0; p < observed.size(); ++p)
    if (mask.size() == 0 || mask[p] == 1) used.push_back(p);
  const long m = static_cast<long>(used.size());
  core::check(m > kDim, "fit_lens: " + std::to_string(m) +
                            " pixels are used (unmasked); the fit of 12 parameters needs more");
  Eigen::VectorXd data(m), sigma(m);
  for (long k = 0; k < m; ++k) {
    const long p = used[k];
    data[k] = observed[p];
    sigma[k] = lensing.pixel_sigma()[p];
    core::check(sigma[k] > 0, "fit_lens: " + pixel_name(p, npix) +
                                  " is used but its noise sigma is 0; set noise_sigma > 0 or a "
                                  "noise map, or mask the pixel");
  }

  const LensImageModel model(lensing);
  Eigen::VectorXd theta = start;
  ceres::Problem problem;
  problem.AddResidualBlock(
      new ceres::AutoDiffCostFunction<WhitenedResiduals, ceres::DYNAMIC, kDim>(
          new WhitenedResiduals(model, data, sigma, used), static_cast<int>(m)),
      nullptr, theta.data());
  const Eigen::VectorXd low = prior.lower(), high = prior.upper();
  for (int i = 0; i < kDim; ++i) {
    if (std::isfinite(low[i])) problem.SetParameterLowerBound(theta.data(), i, low[i]);
    if (std::isfinite(high[i])) problem.SetParameterUpperBound(theta.data(), i, high[i]);
  }

  ceres::Solver::Options solver_options;
  solver_options.trust_region_strategy_type = ceres::LEVENBERG_MARQUARDT;
  solver_options.linear_solver_type = ceres::DENSE_QR;
  solver_options.max_num_iterations = options.max_iterations;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = options.gradient_tolerance;
  solver_options.parameter_tolerance = options.parameter_tolerance;
  solver_options.logging_type = ceres::SILENT;
  solver_options.minimizer_progress_to_stdout = false;
  solver_options.num_threads = 1;
  ceres::Solver::Summary solver_summary;
  ceres::Solve(solver_options, &problem, &solver_summary);

  LensFitSummary& s = *summary;
  s.start = start;
  s.theta = theta;
  s.initial_chi2 = 2 * solver_summary.initial_cost;  // Ceres' cost is χ²/2
  s.chi2 = 2 * solver_summary.final_cost;
  s.num_pixels = m;
  s.dof = m - kDim;
  s.reduced_chi2 = s.chi2 / static_cast<double>(s.dof);
  s.iterations = solver_summary.num_successful_steps + solver_summary.num_unsuccessful_steps;
  s.termination = ceres::TerminationTypeToString(solver_summary.termination_type);
  s.converged = solver_summary.termination_type == ceres::CONVERGENCE;
  s.message = solver_summary.message;
  s.at_bound.resize(kDim);
  for (int i = 0; i < kDim; ++i) s.at_bound[i] = theta[i] == low[i] || theta[i] == high[i];
  s.model_image.resize(observed.size());
  model.image(theta.data(), s.model_image.data());
  core::check(solver_summary.IsSolutionUsable(),
              "fit_lens: Ceres found no usable solution: " + solver_summary.message);

  // JᵀJ's reciprocal condition number first: Ceres refuses (and logs an error line) below
  // min_reciprocal_condition_number; a rank-deficient fit is reported in the summary instead.
  const double nan = std::numeric_limits<double>::quiet_NaN();
  s.covariance = Eigen::MatrixXd::Constant(kDim, kDim, nan);
  s.sigma = Eigen::VectorXd::Constant(kDim, nan);
  ceres::Covariance::Options covariance_options;
  covariance_options.algorithm_type = ceres::DENSE_SVD;  // 12 parameters
  s.reciprocal_condition = reciprocal_condition(model, theta, used, sigma);
  ceres::Covariance covariance(covariance_options);
  const std::vector<std::pair<const double*, const double*>> blocks = {{theta.data(), theta.data()}};
  if (s.reciprocal_condition > 10 * covariance_options.min_reciprocal_condition_number &&
      covariance.Compute(blocks, &problem)) {
    Eigen::Matrix<double, kDim, kDim, Eigen::RowMajor> c;
    covariance.GetCovarianceBlock(theta.data(), theta.data(), c.data());
    s.covariance = c;
    s.sigma = c.diagonal().cwiseSqrt();
    s.covariance_ok = s.sigma.allFinite();
  }
  if (!s.covariance_ok) {
    if (!s.message.empty() && s.message.back() == '.') s.message.pop_back();
    s.message += "; no covariance: JᵀJ is singular at the fit (reciprocal condition number " +
                 fmt(s.reciprocal_condition) +
                 "): the image does not constrain some combination of the parameters";
  }
  s.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  return theta;
}

}  // namespace sbi
