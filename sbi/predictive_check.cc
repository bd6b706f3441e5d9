#include "sbi/predictive_check.h"

#include <omp.h>

#include <algorithm>
#include <exception>
#include <limits>

#include "core/row_moments.h"
#include "core/error.h"

namespace sbi {
namespace {
constexpr std::uint64_t kPosteriorStream = 1ULL << 40;
}  // namespace

bool PredictiveCheckOptions::is_valid(std::string* error) const {
  if (num_samples < 2)
    *error = "PredictiveCheckOptions::num_samples = " + std::to_string(num_samples) + " must be >= 2";
  else if (threads < 0)
    *error = "PredictiveCheckOptions::threads = " + std::to_string(threads) + " must be >= 0";
  else
    return true;
  return false;
}

PredictiveCheckResult predictive_check(const Eigen::MatrixXd& posterior_samples,
                                       const simulators::Simulator& simulator,
                                       const Eigen::VectorXd& x_obs,
                                       const PredictiveCheckOptions& options) {
  core::check_valid(options, "predictive_check");
  core::check(posterior_samples.rows() == simulator.theta_dim(),
              "predictive_check: samples have " + std::to_string(posterior_samples.rows()) +
                  " rows, the simulator takes " + std::to_string(simulator.theta_dim()) + " parameters");
  core::check(x_obs.size() == simulator.x_dim(),
              "predictive_check: x_obs has " + std::to_string(x_obs.size()) +
                  " entries, the simulator makes " + std::to_string(simulator.x_dim()));
  core::check(posterior_samples.cols() >= 2, "predictive_check: need at least 2 posterior draws");
  const long m = posterior_samples.cols();
  const int xd = simulator.x_dim();
  PredictiveCheckResult r;
  r.num_samples = m;
  r.observed = x_obs;
  r.replicates.resize(xd, m);
  const int threads = options.threads > 0 ? options.threads : omp_get_max_threads();
  long failed = std::numeric_limits<long>::max();
  std::exception_ptr failure;
#pragma omp parallel for schedule(dynamic, 16) num_threads(threads)
  for (long j = 0; j < m; ++j) {
    try {
      core::Rng rng(options.seed, static_cast<std::uint64_t>(j));
      Eigen::VectorXd x(xd);
      simulator.simulate(posterior_samples.col(j), &rng, x);
      r.replicates.col(j) = x;
    } catch (...) {
#pragma omp critical(sbi_predictive_error)
      if (j < failed) {
        failed = j;
        failure = std::current_exception();
      }
    }
  }
  if (failure) std::rethrow_exception(failure);
  const core::RowMoments moments = core::row_moments(r.replicates);
  r.predictive_mean = moments.mean;
  r.predictive_std = moments.sd;
  r.p_upper.resize(xd);
  r.p_value.resize(xd);
  for (int d = 0; d < xd; ++d) {
    const double above = static_cast<double>((r.replicates.row(d).array() > x_obs[d]).count());
    const double ties = static_cast<double>((r.replicates.row(d).array() == x_obs[d]).count());
    r.p_upper[d] = (above + 0.5 * ties) / m;
    r.p_value[d] = std::min(1.0, 2 * std::min(r.p_upper[d], 1 - r.p_upper[d]));
  }
  r.min_p_value = r.p_value.minCoeff();
  r.combined_p_value = std::min(1.0, xd * r.min_p_value);
  return r;
}

PredictiveCheckResult predictive_check(const PosteriorUnderTest& posterior,
                                       const simulators::Simulator& simulator,
                                       const Eigen::VectorXd& x_obs,
                                       const PredictiveCheckOptions& options) {
  core::check_valid(options, "predictive_check");
  // Checked before the posterior is asked for draws at x_obs (the overload above checks it
  // too, but only after sampling, which a wrong-sized x_obs must not reach).
  core::check(x_obs.size() == simulator.x_dim(),
              "predictive_check: x_obs has " + std::to_string(x_obs.size()) +
                  " entries, the simulator makes " + std::to_string(simulator.x_dim()));
  core::Rng rng(options.seed, kPosteriorStream);
  const Eigen::MatrixXd samples = posterior.sample(options.num_samples, x_obs, &rng, nullptr);
  return predictive_check(samples, simulator, x_obs, options);
}

}  // namespace sbi
