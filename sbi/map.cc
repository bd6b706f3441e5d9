#include "sbi/map.h"

#include <ceres/ceres.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/progress.h"
#include "sbi/posterior_under_test.h"
#include "sbi/support_transform.h"

namespace sbi {
namespace {

// Ceres minimises f(u) = -log q(T(u) | x); see map.h for the chain rule.
class NegativeLogPosterior final : public ceres::FirstOrderFunction {
 public:
  NegativeLogPosterior(PosteriorModel* model, const Eigen::VectorXd& x,
                       const SupportTransform& transform)
      : model_(model), x_(x), transform_(transform) {}

  bool Evaluate(const double* parameters, double* cost, double* gradient) const override {
    const Eigen::Map<const Eigen::VectorXd> u(parameters, NumParameters());
    const Eigen::VectorXd theta = transform_.to_theta(u);
    if (gradient == nullptr) {
      const double lp = model_->log_prob(theta, x_)[0];
      if (!std::isfinite(lp)) return false;
      *cost = -lp;
      return true;
    }
    Eigen::MatrixXd grad_theta;
    const double lp = model_->log_prob_and_gradient(theta, x_, &grad_theta)[0];
    const Eigen::VectorXd g = -grad_theta.col(0).cwiseProduct(transform_.jacobian_diagonal(u));
    if (!std::isfinite(lp) || !g.allFinite()) return false;
    *cost = -lp;
    Eigen::Map<Eigen::VectorXd>(gradient, NumParameters()) = g;
    return true;
  }
  int NumParameters() const override { return transform_.dim(); }

 private:
  PosteriorModel* model_;  // borrowed
  Eigen::VectorXd x_;
  const SupportTransform& transform_;  // borrowed
};

}  // namespace

bool MapOptions::is_valid(std::string* error) const {
  if (num_starts < 1)
    *error = "MapOptions::num_starts = " + std::to_string(num_starts) + " must be >= 1";
  else if (num_candidates < num_starts)
    *error = "MapOptions::num_candidates = " + std::to_string(num_candidates) +
             " must be >= num_starts = " + std::to_string(num_starts);
  else if (max_iterations < 1)
    *error = "MapOptions::max_iterations = " + std::to_string(max_iterations) + " must be >= 1";
  else if (!(function_tolerance >= 0 && gradient_tolerance >= 0 && parameter_tolerance >= 0))
    *error = "MapOptions: tolerances must be >= 0";
  else
    return true;
  return false;
}

Eigen::VectorXd find_map(PosteriorModel* model, const Eigen::VectorXd& x, const MapOptions& options,
                         MapSummary* summary) {
  core::check_valid(options, "find_map");
  model->check_observation(x, "find_map: x");
  core::Stopwatch clock;
  *summary = MapSummary{};
  const bool restrict = options.restrict_to_prior && model->prior.has_value();
  const SupportTransform transform =
      restrict ? SupportTransform(*model->prior) : SupportTransform::identity(model->theta_dim());

  // Starts: the best of the candidate draws, then random draws.
  const ModelPosterior posterior(*model, restrict);
  core::Rng rng(options.seed, 0);
  Eigen::VectorXd lp;
  const Eigen::MatrixXd candidates = posterior.sample(options.num_candidates, x, &rng, &lp);
  Eigen::Index best_candidate = 0;
  for (Eigen::Index j = 1; j < lp.size(); ++j)
    if (lp[j] > lp[best_candidate] || !std::isfinite(lp[best_candidate])) best_candidate = j;
  std::vector<Eigen::Index> start_columns = {best_candidate};
  for (Eigen::Index j = 0; static_cast<int>(start_columns.size()) < options.num_starts; ++j)
    if (j != best_candidate) start_columns.push_back(j);

  ceres::GradientProblemSolver::Options solver_options;
  solver_options.line_search_direction_type = ceres::LBFGS;
  solver_options.max_num_iterations = options.max_iterations;
  solver_options.function_tolerance = options.function_tolerance;
  solver_options.gradient_tolerance = options.gradient_tolerance;
  solver_options.parameter_tolerance = options.parameter_tolerance;
  solver_options.logging_type = ceres::SILENT;
  solver_options.minimizer_progress_to_stdout = false;
  // The problem takes ownership of the function.
  ceres::GradientProblem problem(new NegativeLogPosterior(model, x, transform));

  for (Eigen::Index column : start_columns) {
    MapStart s;
    s.start = candidates.col(column);
    s.initial_log_prob = lp[column];
    Eigen::VectorXd u = transform.to_unconstrained(s.start);
    ceres::GradientProblemSolver::Summary ceres_summary;
    ceres::Solve(solver_options, problem, u.data(), &ceres_summary);
    s.theta = transform.to_theta(u);
    s.final_log_prob = model->log_prob(s.theta, x)[0];
    s.iterations = std::max(0, static_cast<int>(ceres_summary.iterations.size()) - 1);
    s.termination = ceres::TerminationTypeToString(ceres_summary.termination_type);
    s.message = ceres_summary.message;
    s.usable = ceres_summary.IsSolutionUsable() && s.theta.allFinite() &&
               std::isfinite(s.final_log_prob);
    summary->starts.push_back(std::move(s));
  }
  for (int k = 0; k < static_cast<int>(summary->starts.size()); ++k) {
    const MapStart& s = summary->starts[k];
    if (s.usable && (summary->best_start < 0 ||
                     s.final_log_prob > summary->starts[summary->best_start].final_log_prob))
      summary->best_start = k;
  }
  core::check(summary->best_start >= 0,
              "find_map: no start converged to a usable solution (" + summary->starts[0].message + ")");
  const MapStart& best = summary->starts[summary->best_start];
  int agree = 0;
  for (const MapStart& s : summary->starts)
    if (s.usable && std::fabs(s.final_log_prob - best.final_log_prob) < 1e-3)
      ++agree;
  summary->seconds = clock.seconds();
  summary->message = "best log q = " + std::to_string(best.final_log_prob) + " (start " +
                     std::to_string(summary->best_start) + "; " + std::to_string(agree) + " of " +
                     std::to_string(summary->starts.size()) + " starts end within 1e-3 of it)";
  return best.theta;
}

}  // namespace sbi
