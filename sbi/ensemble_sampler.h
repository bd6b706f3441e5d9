// The affine-invariant ensemble sampler (Goodman & Weare 2010, "Ensemble samplers with affine
// invariance", Comm. Appl. Math. Comput. Sci. 5, 65), with the stretch move and the parallel
// split of emcee (Foreman-Mackey et al. 2013, PASP 125, 306, sec. 3): the walkers are split
// in two halves; each walker k of one half moves to y = x_j + z (x_k - x_j), x_j a random
// walker of the other half and z ~ g(z) ∝ 1/sqrt(z) on [1/a, a], accepted with probability
// min(1, z^(D-1) p(y) / p(x_k)). A half's proposals do not depend on each other, so one call
// of the batched log density evaluates them all (a network's log q is far cheaper per point
// in a batch than one point at a time, as the slice sampler calls it). No tuning: the move
// is invariant to affine maps of θ, so strongly correlated or badly scaled posteriors mix
// as well as isotropic ones. Needs at least 2 D walkers to span the space (emcee's rule).
//
// Draws depend on the seed only: the walkers' moves are drawn from one stream in order.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <functional>
#include <string>

#include "sbi/mcmc_chains.h"

namespace sbi {

struct EnsembleSamplerOptions {
  long warmup = 500;    // steps discarded (every walker moves once per step)
  long draws = 1000;    // steps kept per walker
  long thin = 1;        // keep every thin-th step
  double stretch = 2;   // a of the stretch move, > 1 (emcee's default)
  std::uint64_t seed = 0;
  bool is_valid(std::string* error) const;
};

// log p of each column of a D x N matrix (-inf outside the support).
using BatchLogDensity = std::function<Eigen::VectorXd(const Eigen::MatrixXd&)>;

// One walker per column of `initial` (D x W, W even and >= 2 D); every start must have a
// finite log density. Returns the walkers as chains (their draws are correlated across
// walkers, so R-hat over walkers is indicative only) and the acceptance fraction.
McmcChains ensemble_sample(const BatchLogDensity& log_density, const Eigen::MatrixXd& initial,
                           const EnsembleSamplerOptions& options);

}  // namespace sbi
