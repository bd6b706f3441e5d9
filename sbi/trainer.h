// Training: one loop (fit) for every objective (sbi/objective.h), and neural posterior
// estimation on top of it (Papamakarios & Murray 2016; Greenberg et al. 2019): fit
// q(theta | x) by maximising mean log q over simulated pairs, with a held-out validation
// split, early stopping and restoration of the best-validation weights.
//
//   TrainOptions options;  TrainSummary summary;
//   train(options, theta, x, &model, &summary);   // model from PosteriorModel::create
#pragma once

#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "nn/adam.h"
#include "sbi/chunked_shuffle.h"
#include "sbi/objective.h"
#include "sbi/posterior_model.h"
#include "sbi/training_noise.h"
#include "simulators/symmetry.h"

namespace sbi {

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, validation_loss = 0, seconds = 0;  // the losses minimised
  // Each term of the objective (TrainSummary::term_names order): batch means over the epoch
  // and on the held-out examples.
  std::vector<double> train_terms, validation_terms;
};

// What on_epoch sees. `restart` is empty for a finished epoch and says why otherwise.
struct EpochReport {
  int epoch = 0, max_epochs = 0;
  const EpochRecord* record = nullptr;  // the finished epoch (null on a restart)
  const std::vector<std::string>* term_names = nullptr;
  double best_validation_loss = 0;
  int best_epoch = -1;
  double learning_rate = 0;
  std::string restart;
  std::string phase;  // TrainOptions::phase
};

// Everything fit() needs to continue a training run from the end of an epoch exactly as if it
// had not stopped (sbi/fit_checkpoint.h writes and reads it).
struct FitCheckpoint {
  int epoch = 0;  // the last finished epoch
  double learning_rate = 0;
  int since_best = 0, best_epoch = -1, non_finite_restarts = 0;
  double best_loss = 0;
  std::string restarts_note;
  nn::Vector weights, best_weights;  // flattened in parameter order
  nn::Adam::State adam;
  std::vector<EpochRecord> history;
  std::vector<std::uint64_t> carried_state;  // ShardedObjective::carried_state (every shard's)
  double seconds = 0;                       // training time so far
  int shards = 1;                           // TrainSummary::shards of the run
  int processes = 1;                        // GradientReduction::parts() of the run
};

struct TrainOptions {
  int batch_size = 128;
  double learning_rate = 1e-3;
  int max_epochs = 500;
  int patience = 20;                 // epochs without validation improvement; 0 = never stop early
  double validation_fraction = 0.1;  // held out, chosen at random (seeded)
  double clip_grad_norm = 5.0;       // <= 0 disables clipping
  // Learning rate halves after every lr_plateau epochs without validation improvement
  // (never below min_learning_rate), so the last epochs before early stopping refine the
  // fit rather than jitter around it. 0 keeps the rate constant.
  int lr_plateau = 5;
  double min_learning_rate = 1e-5;
  std::uint64_t seed = 0;            // split, shuffling
  // The order of the examples in each epoch: by default every example shuffled with every
  // other; for data streamed from a file (sbi/out_of_core.h), shuffled by chunks and within
  // windows of chunks (sbi/chunked_shuffle.h).
  ChunkedShuffle chunked_shuffle;
  // Data-parallel training (sbi/data_parallel.h): every batch is split into this many shards,
  // computed on as many threads as there are (at most the shards). The result is bitwise
  // reproducible for a given number of shards, whatever the number of threads; different
  // numbers of shards round differently. 0: one shard per available OpenMP thread. A resumed
  // run keeps the shards of its checkpoint. Objectives that cannot replicate use one.
  int shards = 0;
  // Training across processes (borrowed; null: this process alone): each computes its part
  // of every batch and the parts are summed here (sbi/objective.h). Every process must call
  // fit with the same data and options; all end with the same weights.
  GradientReduction* reduction = nullptr;
  // train() only: epochs of regression pretraining of the embedding before NPE (sbi/
  // embedding_pretraining.h), with the same early stopping; 0 = none. Ignored without an
  // embedding network.
  int pretrain_epochs = 0;
  // train() only: Gaussian noise drawn afresh for every training batch (sbi/training_noise.h),
  // for simulations stored without their noise. Empty: x is used as it is.
  TrainingNoise x_noise;
  // train() only: balanced NPE (sbi/balance_term.h, Delaunoy et al. 2023): the weight λ of
  // the balancing term added to the loss (the paper uses 100); 0 = plain NPE. Needs the
  // model's prior (the term compares q with it) and a density with an exact log q (realnvp, nsf).
  double balance = 0;
  // train() only: data augmentation by these exact symmetries of the simulator (the group's
  // non-identity elements, simulators/symmetry.h; sbi/batch_augmentation.h): each training
  // pair of every batch is replaced by its image under a random element. Empty: none.
  std::vector<simulators::Symmetry> symmetries;
  std::string phase = "train";  // what on_epoch reports as EpochReport::phase
  // Called after every epoch (and at every restart) with what happened; formatting it is
  // the caller's business (apps/ prints one line per epoch).
  std::function<void(const EpochReport&)> on_epoch;
  // Per-epoch learning-rate schedule: given the epoch and the rate the loop would use
  // (after its own plateau halving), returns the rate to use. Empty: the loop's rate.
  std::function<double(int epoch, double learning_rate)> learning_rate_schedule;
  // Called after every finished epoch with the state to continue from (unless empty).
  std::function<void(const FitCheckpoint&)> on_checkpoint;
  // Continue from this state (borrowed; null: start afresh). It must come from the same
  // objective and options (max_epochs may be larger); train() then skips the pretraining.
  const FitCheckpoint* resume = nullptr;

  bool is_valid(std::string* error) const;
};

// The training settings an estimator needs: the defaults above for the coupling flows;
// for the CNF the longer, slower-decaying schedule flow matching needs (its validation loss is
// a noisy Monte Carlo estimate, so plateaus are judged over more epochs).
TrainOptions default_train_options(sbi::DensityKind estimator);

// kNonFiniteLoss: no longer produced by train() (it restarts or throws); still read from old files.
enum class StopReason { kNotRun, kEarlyStopping, kMaxEpochs, kNonFiniteLoss };
std::string stop_reason_name(StopReason r);

struct TrainSummary {
  StopReason stop_reason = StopReason::kNotRun;
  int epochs = 0;
  int best_epoch = -1;
  double best_validation_loss = 0;
  long num_train = 0, num_validation = 0;
  double seconds = 0;
  std::vector<std::string> term_names;  // the objective's loss terms
  std::vector<EpochRecord> history;
  // Epochs restarted after a NaN/Inf training loss, gradient or validation loss (each from
  // the best weights with half the learning rate; see train()). Not stored in model files.
  int non_finite_restarts = 0;
  int shards = 1;     // the data-parallel shards of each process (TrainOptions::shards)
  int processes = 1;  // the processes each batch was split across (TrainOptions::reduction)
  ChunkedShuffle chunked_shuffle;  // TrainOptions::chunked_shuffle of the run
  // Out-of-core training (sbi/out_of_core.h): what was streamed, in one line; "" = in memory.
  std::string streaming;
  // train() with TrainOptions::pretrain_epochs: the pretraining's epochs and its best
  // held-out mean squared error of standardised θ (0 epochs: none ran).
  int pretrain_epochs = 0;
  double pretrain_validation_mse = 0;
  std::string x_noise;  // TrainingNoise::description of the noise added in training; "" = none
  // Balanced NPE (TrainOptions::balance > 0): E_joint d + E_marginal d on the held-out pairs
  // with the best weights (1 when balanced, sbi/balance_term.h); NaN otherwise.
  double validation_balance = std::numeric_limits<double>::quiet_NaN();
  std::string message;  // one line saying how it ended (and any restarts)
};

// The training loop for any objective: shuffled batches, Adam with gradient clipping, the
// learning rate halved on validation plateaus, early stopping and restoration of the best
// weights; every term recorded per epoch. Each batch is split into TrainOptions::shards
// shards computed in parallel (sbi/data_parallel.h), and across processes by
// TrainOptions::reduction.
//
// A NaN or Inf training loss or gradient norm (checked at every batch, before the step) or
// validation loss (every epoch) never reaches the weights: the epoch restarts from the best
// weights so far with fresh Adam moments and half the learning rate, at most 3 times in a
// training run (listed in summary->message); a 4th time throws core::Error naming the epoch,
// batch and loss. The parameters always end finite.
void fit(const TrainOptions& options, Objective* objective, TrainSummary* summary);

// The random split of n samples that train() makes: round(validation_fraction n) (at least
// 1) held out, chosen by a shuffle seeded with `seed`. Throws core::Error for n < 3.
struct TrainValidationSplit {
  std::vector<long> train, validation;
};
TrainValidationSplit split_train_validation(long n, double validation_fraction, std::uint64_t seed);

// NPE: fits model->theta_norm and model->x_norm on the training split (keeping the mask
// x_norm carries, PosteriorModel::set_x_mask; with options.x_noise, on the split plus one
// draw of the noise, and the validation split gets one fixed draw), pretrains the embedding by regression when
// options.pretrain_epochs > 0 (phase "pretrain"), then trains all parameters of model with
// fit(). theta is theta_dim x N, x is x_dim x N, all finite.
void train(const TrainOptions& options, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
           PosteriorModel* model, TrainSummary* summary);

// The steps of train() that out-of-core training (sbi/out_of_core.h) shares:
// Throws core::Error unless options.x_noise (if any) fits the model's x.
void check_training_noise(const TrainOptions& options, const PosteriorModel& model);
// Adds the validation split's one fixed draw of options.x_noise (if any).
void add_validation_noise(const TrainOptions& options, Eigen::MatrixXd* x_validation);
// model->theta_norm and x_norm (keeping its mask) fitted on theta and x, the latter with one
// draw of options.x_noise (if any).
void fit_standardizers(const TrainOptions& options, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
                       PosteriorModel* model);
// options.x_noise's σ in standardised units (0 where masked); empty without noise.
Eigen::VectorXd standardised_noise(const TrainOptions& options, const PosteriorModel& model);

}  // namespace sbi
