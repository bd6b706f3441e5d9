// What the training loop (sbi/fit.h) minimises: a loss over a set of training examples,
// reported as named terms, plus a held-out loss that early stopping watches. NPE has one
// term ("nll"); a VAE has two (distortion and rate, weighted by a β that begin_epoch sets);
// a score model the denoising loss. The loop never needs to know which.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "nn/parameter.h"

namespace sbi {

// The columns `batch` of `source`, copied into *out (resized): one training batch.
inline void gather_columns(const Eigen::MatrixXd& source, const std::vector<long>& batch,
                           Eigen::MatrixXd* out) {
  out->resize(source.rows(), static_cast<Eigen::Index>(batch.size()));
  for (size_t j = 0; j < batch.size(); ++j) out->col(static_cast<Eigen::Index>(j)) = source.col(batch[j]);
}

class Objective {
 public:
  virtual ~Objective() = default;

  // The names of the loss terms, in the order loss_and_gradient reports them.
  virtual std::vector<std::string> term_names() const = 0;
  // Training examples are 0 .. num_train() - 1; the loop shuffles them into batches.
  virtual long num_train() const = 0;
  // Everything the optimiser updates (borrowed views into the model).
  virtual nn::Parameters parameters() = 0;

  // Called before each epoch (1, 2, ...): a schedule of loss weights, such as a VAE's β.
  virtual void begin_epoch(int /*epoch*/) {}

  // Adds d loss / d parameters over the examples `batch` to the parameters' gradients
  // (already zeroed by the loop), writes each term's batch mean into *terms (term_names()
  // order) and returns the loss minimised (the weighted sum of the terms).
  virtual double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) = 0;

  // The same loss on the held-out examples, without gradients: the early-stopping criterion.
  virtual double validation_loss(std::vector<double>* terms) = 0;

  // What the objective carries from one epoch to the next besides the weights: the state of
  // its random streams (not those it reseeds in begin_epoch), a controller's integral, the
  // per-epoch values it records (a VAE's β), as 64-bit words (doubles by their bit
  // patterns), for training checkpoints: restoring it and the parameters at an epoch's end
  // continues training exactly.
  virtual std::vector<std::uint64_t> carried_state() const { return {}; }
  virtual void set_carried_state(const std::vector<std::uint64_t>& /*state*/) {}

  // Data-parallel training (sbi/data_parallel.h): a copy of this objective that computes the
  // same loss on other examples of the same training set, with its own copy of the model
  // (same weights) and its own random streams, number `replica` (1, 2, ...; this objective is
  // replica 0). The training data are shared, not copied; the copy must not outlive this
  // objective. nullptr (the default): the objective trains on one thread.
  virtual std::unique_ptr<Objective> replicate(int /*replica*/) { return nullptr; }
};

// Training across processes (MPI ranks): process part() of parts() computes its part of
// every batch (contiguous, sizes differing by at most one, each split again into shards on
// its threads), and the parts meet here before the optimiser step. The default is one process.
class GradientReduction {
 public:
  virtual ~GradientReduction() = default;
  virtual int part() const { return 0; }
  virtual int parts() const { return 1; }

  // Collective. `values` holds this process's share of the step (its gradient, loss and terms,
  // each already weighted by its part's share of the batch); afterwards every process holds
  // the sum over the parts, added in part order, so the same bits on every process.
  virtual void sum(Eigen::VectorXd* /*values*/) {}

  // Collective: every process passes its error ("" when its step succeeded); throws (the
  // same error on every process) when any failed, so that none waits for the others forever.
  virtual void check_all(const std::string& /*my_error*/) {}

  // Collective: the processes' words concatenated in part order (each passes as many), for
  // the random streams a checkpoint keeps.
  virtual std::vector<std::uint64_t> gather(const std::vector<std::uint64_t>& mine) { return mine; }
};

}  // namespace sbi
