#include "sbi/trainer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "nn/adam.h"

namespace sbi {

bool TrainOptions::is_valid(std::string* error) const {
  if (batch_size < 1) *error = "TrainOptions::batch_size = " + std::to_string(batch_size) + " must be >= 1";
  else if (!(learning_rate > 0)) *error = "TrainOptions::learning_rate must be > 0";
  else if (max_epochs < 1) *error = "TrainOptions::max_epochs = " + std::to_string(max_epochs) + " must be >= 1";
  else if (patience < 0) *error = "TrainOptions::patience must be >= 0";
  else if (lr_plateau < 0) *error = "TrainOptions::lr_plateau must be >= 0";
  else if (!(validation_fraction > 0 && validation_fraction < 1))
    *error = "TrainOptions::validation_fraction must be in (0, 1)";
  else return true;
  return false;
}

std::string stop_reason_name(StopReason r) {
  switch (r) {
    case StopReason::kNotRun: return "not run";
    case StopReason::kEarlyStopping: return "early stopping";
    case StopReason::kMaxEpochs: return "max epochs";
    case StopReason::kNonFiniteLoss: return "non-finite loss";
  }
  return "?";
}

namespace {

// The density's validation loss on standardised held-out pairs (by default -mean log q).
double validation_loss(const PosteriorModel& model, const Eigen::MatrixXd& theta,
                       const Eigen::MatrixXd& x) {
  return model.density->validation_loss(theta, model.embedding->embed(x));
}

}  // namespace

void train(const TrainOptions& options, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
           PosteriorModel* model, TrainSummary* summary) {
  *summary = TrainSummary{};
  core::check_valid(options, "train");
  core::check(theta.cols() == x.cols(), "train: theta has " + std::to_string(theta.cols()) +
                                            " samples but x has " + std::to_string(x.cols()));
  core::check(theta.rows() == model->theta_dim() && x.rows() == model->x_dim(),
              "train: data dimensions do not match the model");
  core::check(theta.allFinite() && x.allFinite(), "train: theta and x must be finite");
  const long n = theta.cols();
  const long n_val = std::max(1L, std::lround(options.validation_fraction * n));
  core::check(n - n_val >= 2, "train: need at least 3 simulations, got " + std::to_string(n));
  core::Stopwatch clock;

  // Random split (seeded).
  std::vector<long> order(n);
  std::iota(order.begin(), order.end(), 0L);
  core::Rng split_rng(options.seed, 0x5417);
  for (long i = n - 1; i > 0; --i) std::swap(order[i], order[split_rng.below(i + 1)]);
  const long n_train = n - n_val;
  Eigen::MatrixXd theta_train = theta(Eigen::all, std::vector<long>(order.begin(), order.begin() + n_train));
  Eigen::MatrixXd x_train = x(Eigen::all, std::vector<long>(order.begin(), order.begin() + n_train));
  model->theta_norm = Standardizer::fit(theta_train);
  model->x_norm = Standardizer::fit(x_train, model->x_layout);  // per feature for set data
  theta_train = model->theta_norm.apply(theta_train);
  x_train = model->x_norm.apply(x_train);
  const std::vector<long> val_idx(order.begin() + n_train, order.end());
  const Eigen::MatrixXd theta_val = model->theta_norm.apply(theta(Eigen::all, val_idx));
  const Eigen::MatrixXd x_val = model->x_norm.apply(x(Eigen::all, val_idx));
  summary->num_train = n_train;
  summary->num_validation = n_val;

  nn::Parameters params = model->parameters();
  double learning_rate = options.learning_rate;
  nn::Adam adam(params, nn::AdamOptions{learning_rate});
  nn::Vector best = nn::flatten_values(params);
  double best_loss = std::numeric_limits<double>::infinity();
  int since_best = 0;

  const long batch = std::min<long>(options.batch_size, n_train);
  const long batches = n_train / batch;  // the last partial batch is dropped each epoch
  Eigen::MatrixXd tb(theta.rows(), batch), xb(x.rows(), batch), grad_context;
  std::vector<long> perm(n_train);
  std::iota(perm.begin(), perm.end(), 0L);
  for (int epoch = 1; epoch <= options.max_epochs; ++epoch) {
    core::Stopwatch epoch_clock;
    core::Rng rng(options.seed, 0x100000 + epoch);
    for (long i = n_train - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
    double loss_sum = 0;
    for (long b = 0; b < batches; ++b) {
      for (long j = 0; j < batch; ++j) {
        tb.col(j) = theta_train.col(perm[b * batch + j]);
        xb.col(j) = x_train.col(perm[b * batch + j]);
      }
      nn::zero_grad(params);
      const Eigen::MatrixXd& c = model->embedding->forward(xb);
      loss_sum += model->density->loss_and_gradient(tb, c, &grad_context);
      model->embedding->backward(grad_context);
      nn::clip_grad_norm(params, options.clip_grad_norm);
      adam.step();
    }
    EpochRecord rec;
    rec.epoch = epoch;
    rec.train_loss = loss_sum / batches;
    rec.validation_loss = validation_loss(*model, theta_val, x_val);
    rec.seconds = epoch_clock.seconds();
    summary->history.push_back(rec);
    summary->epochs = epoch;
    if (!std::isfinite(rec.train_loss) || !std::isfinite(rec.validation_loss)) {
      summary->stop_reason = StopReason::kNonFiniteLoss;
      break;
    }
    if (rec.validation_loss < best_loss) {
      best_loss = rec.validation_loss;
      best = nn::flatten_values(params);
      summary->best_epoch = epoch;
      since_best = 0;
    } else {
      ++since_best;
      if (options.lr_plateau > 0 && since_best % options.lr_plateau == 0) {
        learning_rate = std::max(0.5 * learning_rate, options.min_learning_rate);
        adam.set_learning_rate(learning_rate);
      }
    }
    if (options.progress) {
      char line[160];
      std::snprintf(line, sizeof line,
                    "epoch %d  train %.4f  validation %.4f  best %.4f (epoch %d)  lr %.2g", epoch,
                    rec.train_loss, rec.validation_loss, best_loss, summary->best_epoch,
                    learning_rate);
      options.progress({"train", epoch, options.max_epochs, line});
    }
    if (options.patience > 0 && since_best >= options.patience) {
      summary->stop_reason = StopReason::kEarlyStopping;
      break;
    }
  }
  if (summary->stop_reason == StopReason::kNotRun) summary->stop_reason = StopReason::kMaxEpochs;
  nn::unflatten_values(best, params);
  summary->best_validation_loss = best_loss;
  summary->seconds = clock.seconds();
  char msg[200];
  std::snprintf(msg, sizeof msg, "%s after %d epochs; best validation loss %.4f at epoch %d (%.1f s)",
                stop_reason_name(summary->stop_reason).c_str(), summary->epochs, best_loss,
                summary->best_epoch, summary->seconds);
  summary->message = msg;
  core::check(summary->best_epoch > 0, "train: the loss was not finite from the first epoch (" +
                                           std::string(msg) + ")");
}

}  // namespace sbi
