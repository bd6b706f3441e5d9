// Data-parallel training steps on OpenMP threads. A batch of n examples is split into S
// contiguous shards (sizes differing by at most one); shard s is computed by replica s of the
// objective (Objective::replicate; replica 0 is the objective itself), each on its own thread
// when there are enough; then the shards' losses and gradients are summed into the
// objective's, in shard order, each weighted by its share of the batch:
//
//   L = sum_s (n_s / n) L_s,    dL/dw = sum_s (n_s / n) dL_s/dw,
//
// which is the batch mean every Objective reports, up to rounding. The order of the sum is
// fixed, so training is bitwise reproducible for a given S whatever the number of threads
// that run the shards; S = 1 is exactly the serial step.
//
// Across processes (GradientReduction), process p's shards are replicas p S, ..., p S + S - 1,
// so that no two shards of the job draw the same random numbers; the objective itself then
// only holds the weights the optimiser updates and receives the gradients.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "sbi/objective.h"

namespace sbi {

// The OpenMP threads this process may use (omp_get_max_threads; 1 without OpenMP).
int available_threads();

class ShardedObjective {
 public:
  // S = `shards` (<= 0: one per available thread), at most batch_size (each shard holds at
  // least one example), and 1 when the objective cannot replicate (then the objective computes
  // the shard itself, whatever first_replica). Borrows the objective.
  ShardedObjective(Objective* objective, int shards, long batch_size, int first_replica = 0);
  ShardedObjective(const ShardedObjective&) = delete;
  ShardedObjective& operator=(const ShardedObjective&) = delete;

  int shards() const { return static_cast<int>(workers_.size()); }

  void begin_epoch(int epoch);

  // Objective::loss_and_gradient over `batch`, sharded, into the objective's gradients, which
  // the caller zeroes (as for the serial step); the replicas take the objective's current
  // weights and zeroed gradients here, so the optimiser only ever updates the objective.
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms);

  // The random states of all replicas in order, concatenated (what a checkpoint stores);
  // set_carried_state throws core::Error for a state that does not split into S equal parts.
  std::vector<std::uint64_t> carried_state() const;
  void set_carried_state(const std::vector<std::uint64_t>& state);

 private:
  bool is_objective(int s) const { return workers_[s] == objective_; }

  Objective* objective_;
  nn::Parameters target_;                             // the objective's parameters
  std::vector<std::unique_ptr<Objective>> replicas_;  // owned
  std::vector<Objective*> workers_;                   // shard s's: the objective or a replica
  std::vector<nn::Parameters> params_;                // of each worker
  std::vector<std::vector<long>> shard_batches_;
  std::vector<std::vector<double>> shard_terms_;
  std::vector<double> shard_losses_;
  std::vector<nn::ParameterSlice> slices_;  // the units of the gradients' sum over threads
};

}  // namespace sbi
