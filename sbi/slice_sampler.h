// Markov chain Monte Carlo by slice sampling (Neal 2003, "Slice sampling", Ann. Statist. 31,
// 705): each step updates the coordinates one at a time, each by the univariate slice
// sampler with stepping out (fig. 3) and shrinkage (fig. 5). It needs only an unnormalised
// log density — for a likelihood emulator, log q(x_o | θ) + log p(θ) — with -inf outside the
// support, and no gradient or step-size tuning: a coordinate's initial bracket width is
// adapted during warm-up (twice the standard deviation of that coordinate's warm-up draws),
// and the sampler stays exact for any width.
//
// Chains run in parallel (OpenMP, one thread per chain at a time), chain c drawing from the
// random stream (seed, c): the draws do not depend on the thread count. log_density is
// called concurrently from several chains and must be thread-safe.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "sbi/mcmc_chains.h"

namespace sbi {

struct SliceSamplerOptions {
  long warmup = 500;       // steps discarded per chain (width adaptation happens here)
  long draws = 1000;       // steps kept per chain
  long thin = 1;           // keep every thin-th step
  double initial_width = 1.0;
  int max_step_out = 100;  // the bracket grows by at most this many widths per side
  std::uint64_t seed = 0;
  bool is_valid(std::string* error) const;
};

using LogDensity = std::function<double(const Eigen::VectorXd&)>;

// One chain per column of `initial` (D x chains); each start must have a finite log density.
McmcChains slice_sample(const LogDensity& log_density, const Eigen::MatrixXd& initial,
                         const SliceSamplerOptions& options);


}  // namespace sbi
