// What a Markov chain Monte Carlo run returns (sbi/slice_sampler.h, sbi/ensemble_sampler.h):
// the kept draws of each chain (or walker) and their log densities.
#pragma once

#include <Eigen/Core>
#include <vector>

namespace sbi {

struct McmcChains {
  std::vector<Eigen::MatrixXd> draws;        // per chain: D x draws
  std::vector<Eigen::VectorXd> log_density;  // per chain: log density of each kept draw
  long evaluations = 0;                      // log density evaluations, all chains
  Eigen::VectorXd slice_widths;              // slice sampling: per coordinate, after warm-up (of chain 0)
  double acceptance = 1;                     // ensemble sampler: the fraction of moves accepted after warm-up
};

// Coordinate d of every chain's draws, the input of the diagnostics (sbi/mcmc_diagnostics.h).
std::vector<Eigen::VectorXd> coordinate_chains(const McmcChains& chains, Eigen::Index d);

}  // namespace sbi
