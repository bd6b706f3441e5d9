// Batch simulation in parallel (OpenMP). Sample i draws from its own stream core::Rng(seed, i)
// (prior draw, then simulation), so the output is bitwise identical for any thread count.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>

#include "core/progress.h"
#include "simulators/simulator.h"

namespace sbi::simulators {

struct SimulateOptions {
  std::uint64_t seed = 0;  // run seed; sample i uses core::Rng(seed, i)
  int threads = 0;         // OpenMP threads; 0 = OpenMP default (OMP_NUM_THREADS or all cores)
  // Sample i of a batch uses core::Rng(seed, first_index + i): a batch of samples
  // [first_index, first_index + n) of a larger run (its chunks, its MPI ranks).
  long first_index = 0;
  // Optional; called from the calling thread after each block of samples, with stage
  // "simulate", done and total counts. Never called from inside a parallel region.
  core::ProgressCallback progress;

  // False, with *error naming the field, its value and the rule, when an option is invalid.
  bool is_valid(std::string* error) const;
};

struct SimulationBatch {
  Eigen::MatrixXd theta;  // theta_dim x N, one sample per column
  Eigen::MatrixXd x;      // x_dim x N, column i simulated at theta.col(i)
  double seconds = 0;     // wall time of the simulation
};

// n draws θ_i ~ prior and x_i ~ simulator(θ_i). Throws core::Error for n < 0, invalid options,
// or a simulator that throws or returns a non-finite x (naming the lowest failing sample).
SimulationBatch simulate_from_prior(const Task& task, long n, const SimulateOptions& options);

// n draws of the prior alone, draw i from core::Rng(seed, i): the θ that simulate_from_prior
// draws with the same seed (`sbi prior sample`).
Eigen::MatrixXd sample_prior(const core::Prior& prior, long n, const SimulateOptions& options);

// x_i ~ simulator(θ_i) for each column of theta (theta_dim rows), sample i on stream
// core::Rng(seed, i) without a prior draw. Same errors as above, and for a wrong row count or
// non-finite theta.
SimulationBatch simulate_at(const Simulator& simulator, const Eigen::MatrixXd& theta,
                            const SimulateOptions& options);

}  // namespace sbi::simulators
