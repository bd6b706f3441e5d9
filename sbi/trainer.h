// Neural posterior estimation (Papamakarios & Murray 2016; Greenberg et al. 2019): fit
// q(theta | x) by maximising mean log q over simulated pairs, with a held-out validation
// split, early stopping and restoration of the best-validation weights.
//
//   TrainOptions options;  TrainSummary summary;
//   train(options, theta, x, &model, &summary);   // model from PosteriorModel::create
#pragma once

#include <string>
#include <vector>

#include "core/progress.h"
#include "sbi/posterior_model.h"

namespace sbi {

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
  core::ProgressCallback progress;   // called once per epoch

  bool is_valid(std::string* error) const;
};

// kNonFiniteLoss: no longer produced by train() (it restarts or throws); still read from old files.
enum class StopReason { kNotRun, kEarlyStopping, kMaxEpochs, kNonFiniteLoss };
std::string stop_reason_name(StopReason r);

struct EpochRecord {
  int epoch = 0;
  double train_loss = 0, validation_loss = 0, seconds = 0;
};

struct TrainSummary {
  StopReason stop_reason = StopReason::kNotRun;
  int epochs = 0;
  int best_epoch = -1;
  double best_validation_loss = 0;
  long num_train = 0, num_validation = 0;
  double seconds = 0;
  std::vector<EpochRecord> history;
  // Epochs restarted after a NaN/Inf training loss, gradient or validation loss (each from
  // the best weights with half the learning rate; see train()). Not stored in model files.
  int non_finite_restarts = 0;
  std::string message;  // one line saying how it ended (and any restarts)
};

// Fits model->theta_norm and model->x_norm on the training split, then trains all
// parameters of model. theta is theta_dim x N, x is x_dim x N, all finite.
//
// A NaN or Inf training loss or gradient norm (checked at every batch, before the step) or
// validation loss (every epoch) never reaches the weights: the epoch restarts from the best
// weights so far with fresh Adam moments and half the learning rate, at most 3 times in a
// training run (listed in summary->message); a 4th time throws core::Error naming the epoch,
// batch and loss. The returned model always has finite weights.
void train(const TrainOptions& options, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
           PosteriorModel* model, TrainSummary* summary);

}  // namespace sbi
