// Maximum a posteriori estimate of a trained posterior: argmax_theta log q(theta | x) inside
// the prior support, by limited-memory BFGS (Nocedal 1980; Nocedal & Wright 2006, Algorithm
// 7.5) with Ceres' GradientProblemSolver. Bounded priors are handled by optimising over
// u = T^{-1}(theta) in R^D (support_transform.h); the objective stays log q(theta(u) | x)
// (no log-Jacobian term: the mode is the mode in theta, not in u), and its gradient is
//   d log q / d u_d = (d log q / d theta_d) (d theta_d / d u_d)      (diagonal chain rule).
// A mode on the boundary of a uniform prior is approached as u -> +-inf, and the solver then
// stops on its function tolerance.
//
// Several starts guard against local modes: start 0 is the posterior draw with the highest
// log q among num_candidates draws, starts 1..K-1 are the first K-1 of those draws (random
// points of the posterior). The best final log q wins.
//
//   MapOptions options;  MapSummary summary;
//   Eigen::VectorXd theta_map = find_map(&model, x, options, &summary);
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "sbi/posterior_model.h"

namespace sbi {

struct MapOptions {
  int num_starts = 5;             // K optimisations
  long num_candidates = 1000;     // posterior draws the starts come from (>= num_starts)
  int max_iterations = 500;       // L-BFGS iterations per start
  double function_tolerance = 1e-10;   // Ceres: |delta f| / |f| below this stops
  double gradient_tolerance = 1e-10;   // Ceres: max-norm of the projected gradient
  double parameter_tolerance = 1e-12;  // Ceres: relative step size
  bool restrict_to_prior = true;  // optimise inside the prior support (if the model has one)
  std::uint64_t seed = 0;         // candidate draws

  bool is_valid(std::string* error) const;
};

struct MapStart {
  Eigen::VectorXd start;          // theta where the optimiser started
  Eigen::VectorXd theta;          // where it stopped
  double initial_log_prob = 0;    // log q(start | x)
  double final_log_prob = 0;      // log q(theta | x)
  int iterations = 0;             // L-BFGS iterations taken
  std::string termination;        // Ceres termination type: CONVERGENCE, NO_CONVERGENCE, ...
  std::string message;            // Ceres' reason
  bool usable = false;            // Ceres' IsSolutionUsable()
};

struct MapSummary {
  std::vector<MapStart> starts;
  int best_start = -1;            // index into starts; -1 = not run
  double seconds = 0;
  std::string message;            // one line: best log q, starts that agree
};

// x: one observation (x_dim). `model` is borrowed; its gradient buffers are used (hence not
// const), its parameters are not changed. Throws core::Error on invalid options or input, or
// when no start gives a usable solution.
Eigen::VectorXd find_map(PosteriorModel* model, const Eigen::VectorXd& x, const MapOptions& options,
                         MapSummary* summary);

}  // namespace sbi
