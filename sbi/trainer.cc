#include "sbi/trainer.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <numeric>

#include "core/error.h"
#include "core/memory_budget.h"
#include "core/progress.h"
#include "nn/adam.h"
#include "sbi/data_parallel.h"
#include "sbi/embedding_pretraining.h"
#include "sbi/npe_objective.h"

namespace sbi {

bool TrainOptions::is_valid(std::string* error) const {
  if (batch_size < 1) *error = "TrainOptions::batch_size = " + std::to_string(batch_size) + " must be >= 1";
  else if (!(learning_rate > 0)) *error = "TrainOptions::learning_rate must be > 0";
  else if (max_epochs < 1) *error = "TrainOptions::max_epochs = " + std::to_string(max_epochs) + " must be >= 1";
  else if (patience < 0) *error = "TrainOptions::patience must be >= 0";
  else if (lr_plateau < 0) *error = "TrainOptions::lr_plateau must be >= 0";
  else if (pretrain_epochs < 0) *error = "TrainOptions::pretrain_epochs must be >= 0";
  else if (!(balance >= 0 && std::isfinite(balance))) *error = "TrainOptions::balance must be finite and >= 0";
  else if (shards < 0) *error = "TrainOptions::shards = " + std::to_string(shards) + " must be >= 0";
  else if (chunked_shuffle.chunk_rows < 0 || chunked_shuffle.window_chunks < 1)
    *error = "TrainOptions::chunked_shuffle needs chunk_rows >= 0 and window_chunks >= 1";
  else if (!(validation_fraction > 0 && validation_fraction < 1))
    *error = "TrainOptions::validation_fraction must be in (0, 1)";
  else return true;
  return false;
}

TrainOptions default_train_options(sbi::DensityKind estimator) {
  TrainOptions t;
  if (estimator == sbi::DensityKind::kCNF || estimator == sbi::DensityKind::kScore) {
    // Their validation loss (flow or score matching on fresh draws of t) is noisy: more patience.
    t.patience = 50;
    t.lr_plateau = 10;
  }
  return t;
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

// Training restarts this many times after a non-finite loss or gradient (from the best
// weights, with fresh Adam moments and half the learning rate) before it gives up.
constexpr int kMaxNonFiniteRestarts = 3;

// "the training loss is NaN at epoch 7, batch 3 of 12".
std::string describe_failure(const char* what, double value, int epoch, long batch, long batches) {
  char line[160];
  if (batch >= 0)
    std::snprintf(line, sizeof line, "the %s is %s at epoch %d, batch %ld of %ld", what,
                  std::isnan(value) ? "NaN" : "infinite", epoch, batch + 1, batches);
  else
    std::snprintf(line, sizeof line, "the %s is %s at epoch %d", what,
                  std::isnan(value) ? "NaN" : "infinite", epoch);
  return line;
}

// Refuses a batch whose activation caches cannot fit (--batch-size 10^9 on 10^8
// simulations): about 3 numbers (value, pre-activation, gradient) per output of every dense
// layer (the rows of each weight matrix) and sample, plus the batch's theta and x and what
// the embedding caches per sample (a CNN's feature maps).
void check_batch_memory(const nn::Parameters& params, long batch, long data_dim,
                        double cached_per_sample) {
  double outputs = 0;
  for (const nn::Parameter& p : params)
    if (p.name.size() >= 6 && p.name.compare(p.name.size() - 6, 6, "weight") == 0)
      outputs += static_cast<double>(p.value->rows());
  core::check_memory(8.0 * static_cast<double>(batch) *
                         (3.0 * outputs + 2.0 * data_dim + cached_per_sample),
                     "a training batch of " + std::to_string(batch) + " samples (" +
                         std::to_string(static_cast<long>(outputs)) +
                         " network outputs each); use a smaller --batch-size");
}

}  // namespace

void fit(const TrainOptions& options, Objective* objective, TrainSummary* summary) {
  core::check_valid(options, "fit");
  const long n_train = objective->num_train();
  core::check(n_train >= 1, "fit: the objective has no training examples");
  core::Stopwatch clock;
  const long num_validation = summary->num_validation;  // set by the caller, if it splits
  *summary = TrainSummary{};
  summary->num_train = n_train;
  summary->num_validation = num_validation;
  summary->term_names = objective->term_names();
  const size_t num_terms = summary->term_names.size();

  nn::Parameters params = objective->parameters();
  double learning_rate = options.learning_rate;
  nn::AdamOptions adam_options{learning_rate};
  nn::Adam adam(params, adam_options);
  nn::Vector best = nn::flatten_values(params);
  double best_loss = std::numeric_limits<double>::infinity();
  int since_best = 0;

  const long batch_size = std::min<long>(options.batch_size, n_train);
  const long batches = n_train / batch_size;  // the last partial batch is dropped each epoch
  std::vector<long> perm(n_train), batch(batch_size), part_batch;
  std::iota(perm.begin(), perm.end(), 0L);
  // This process's part [part_begin, part_end) of every batch, split into shards on its threads.
  GradientReduction one_process;
  GradientReduction* reduction = options.reduction != nullptr ? options.reduction : &one_process;
  const int part = reduction->part(), parts = reduction->parts();
  core::check(parts >= 1 && part >= 0 && part < parts, "fit: the reduction's part is out of range");
  core::check(batch_size >= parts, "train: a batch of " + std::to_string(batch_size) +
                                       " cannot be split across " + std::to_string(parts) +
                                       " processes; use a larger --batch-size or fewer processes");
  const long part_begin = batch_size * part / parts, part_end = batch_size * (part + 1) / parts;
  const double part_weight = static_cast<double>(part_end - part_begin) / static_cast<double>(batch_size);
  if (options.resume != nullptr)
    core::check(options.resume->processes == parts,
                "train: the checkpoint was written by a run of " + std::to_string(options.resume->processes) +
                    " process(es); resume it with as many (mpirun -np " +
                    std::to_string(options.resume->processes) + "), not " + std::to_string(parts));
  int shards = options.resume != nullptr ? options.resume->shards
                                         : (options.shards > 0 ? options.shards : available_threads());
  shards = static_cast<int>(std::min<long>(shards, part_end - part_begin));
  if (parts > 1) shards = static_cast<int>(reduction->gather({static_cast<std::uint64_t>(shards)})[0]);
  ShardedObjective sharded(objective, shards, part_end - part_begin, part * shards);
  summary->shards = sharded.shards();
  summary->processes = parts;
  summary->chunked_shuffle = options.chunked_shuffle;
  const long num_scalars = nn::count_scalars(params);
  Eigen::VectorXd step_sum;  // across processes: gradient, loss, terms, failure flag
  std::vector<double> terms, term_sums(num_terms);
  std::string restarts_note;  // appended to the summary message
  auto report = [&](int epoch, const EpochRecord* record, const std::string& restart) {
    if (!options.on_epoch) return;
    options.on_epoch({epoch, options.max_epochs, record, &summary->term_names, best_loss,
                      summary->best_epoch, learning_rate, restart, options.phase});
  };
  // Each epoch shuffles the previous epoch's order (so a resumed run replays the shuffles of
  // the epochs it skips), or draws a chunked order afresh.
  auto shuffle = [&](int epoch) {
    core::Rng rng(options.seed, 0x100000 + epoch);
    if (options.chunked_shuffle.enabled()) {
      chunked_shuffle_order(n_train, options.chunked_shuffle, &rng, &perm);
      return;
    }
    for (long i = n_train - 1; i > 0; --i) std::swap(perm[i], perm[rng.below(i + 1)]);
  };
  int first_epoch = 1;
  double seconds_before = 0;  // of the run a checkpoint continues
  if (options.resume != nullptr) {
    const FitCheckpoint& c = *options.resume;
    core::check(c.weights.size() == best.size() && c.best_weights.size() == best.size(),
                "fit: the checkpoint holds " + std::to_string(c.weights.size()) + " weights, the model " +
                    std::to_string(best.size()));
    core::check(static_cast<int>(c.history.size()) == c.epoch && c.epoch >= 1,
                "fit: the checkpoint's history does not match its epoch");
    nn::unflatten_values(c.weights, params);
    best = c.best_weights;
    adam.set_state(c.adam);
    // Every process's shards' streams, in process order: this process takes its own.
    const size_t words = c.carried_state.size() / static_cast<size_t>(parts);
    core::check(words * static_cast<size_t>(parts) == c.carried_state.size(),
                "fit: the checkpoint's random state does not split into " + std::to_string(parts) + " processes");
    sharded.set_carried_state(std::vector<std::uint64_t>(c.carried_state.begin() + words * part,
                                                        c.carried_state.begin() + words * (part + 1)));
    learning_rate = c.learning_rate;
    since_best = c.since_best;
    best_loss = c.best_loss;
    summary->best_epoch = c.best_epoch;
    summary->non_finite_restarts = c.non_finite_restarts;
    summary->history = c.history;
    summary->epochs = c.epoch;
    restarts_note = c.restarts_note;
    seconds_before = c.seconds;
    first_epoch = c.epoch + 1;
    for (int epoch = 1; epoch <= c.epoch; ++epoch) shuffle(epoch);
    if (options.patience > 0 && since_best >= options.patience) {
      summary->stop_reason = StopReason::kEarlyStopping;
      first_epoch = options.max_epochs + 1;  // it had stopped already
    }
  }
  auto checkpoint = [&](int epoch) {
    // Collective: every process gathers, whether it writes checkpoints or not.
    std::vector<std::uint64_t> carried_state = reduction->gather(sharded.carried_state());
    if (!options.on_checkpoint) return;
    FitCheckpoint c;
    c.epoch = epoch;
    c.learning_rate = learning_rate;
    c.since_best = since_best;
    c.best_epoch = summary->best_epoch;
    c.non_finite_restarts = summary->non_finite_restarts;
    c.best_loss = best_loss;
    c.restarts_note = restarts_note;
    c.weights = nn::flatten_values(params);
    c.best_weights = best;
    c.adam = adam.state();
    c.history = summary->history;
    c.carried_state = std::move(carried_state);
    c.seconds = seconds_before + clock.seconds();
    c.shards = sharded.shards();
    c.processes = parts;
    options.on_checkpoint(c);
  };
  // This process's part of the batch, then the sum over the processes of the part-weighted
  // gradients, losses and terms (the same on every process). A process whose part failed
  // still takes part in the sum (flagged), so that every process learns it and throws.
  auto step_across_processes = [&]() {
    part_batch.assign(batch.begin() + part_begin, batch.begin() + part_end);
    std::string error;
    double loss = 0;
    try {
      loss = sharded.loss_and_gradient(part_batch, &terms);
    } catch (const std::exception& e) {
      error = e.what()[0] != '\0' ? e.what() : "unknown error";
    }
    const long num_values = num_scalars + 1 + static_cast<long>(num_terms) + 1;
    step_sum.setZero(num_values);
    if (error.empty() && terms.size() == num_terms) {
      step_sum.head(num_scalars) = part_weight * nn::flatten_grads(params);
      step_sum[num_scalars] = part_weight * loss;
      for (size_t t = 0; t < num_terms; ++t) step_sum[num_scalars + 1 + static_cast<long>(t)] = part_weight * terms[t];
    } else {
      if (error.empty()) error = "the objective reported " + std::to_string(terms.size()) + " terms";
      step_sum[num_values - 1] = 1;
    }
    reduction->sum(&step_sum);
    if (step_sum[num_values - 1] != 0) {
      reduction->check_all(error);  // throws the same error on every process
      throw core::Error("train: " + (error.empty() ? std::string("another process's step failed") : error));
    }
    nn::unflatten_grads(step_sum.head(num_scalars), params);
    terms.resize(num_terms);
    for (size_t t = 0; t < num_terms; ++t) terms[t] = step_sum[num_scalars + 1 + static_cast<long>(t)];
    return step_sum[num_scalars];
  };
  for (int epoch = first_epoch; epoch <= options.max_epochs; ++epoch) {
    core::Stopwatch epoch_clock;
    sharded.begin_epoch(epoch);
    adam.set_learning_rate(options.learning_rate_schedule
                               ? options.learning_rate_schedule(epoch, learning_rate)
                               : learning_rate);
    shuffle(epoch);
    double loss_sum = 0;
    std::fill(term_sums.begin(), term_sums.end(), 0.0);
    std::string failure;  // set at the first non-finite loss or gradient of this epoch
    for (long b = 0; b < batches && failure.empty(); ++b) {
      std::copy(perm.begin() + b * batch_size, perm.begin() + (b + 1) * batch_size, batch.begin());
      nn::zero_grad(params);
      const double loss = parts == 1 ? sharded.loss_and_gradient(batch, &terms) : step_across_processes();
      core::check(terms.size() == num_terms, "fit: the objective reported " +
                                                 std::to_string(terms.size()) + " terms, not " +
                                                 std::to_string(num_terms));
      const double grad_norm = nn::gradient_norm(params);
      // Never step with a non-finite gradient: it would make every weight NaN.
      if (!std::isfinite(loss)) {
        failure = describe_failure("training loss", loss, epoch, b, batches);
      } else if (!std::isfinite(grad_norm)) {
        failure = describe_failure("gradient norm", grad_norm, epoch, b, batches);
      } else {
        adam.step(nn::clip_scale(grad_norm, options.clip_grad_norm));  // clipped as it reads
        loss_sum += loss;
        for (size_t t = 0; t < num_terms; ++t) term_sums[t] += terms[t];
      }
    }
    EpochRecord rec;
    rec.epoch = epoch;
    rec.train_loss = loss_sum / batches;
    for (double sum : term_sums) rec.train_terms.push_back(sum / batches);
    if (failure.empty()) {
      rec.validation_loss = objective->validation_loss(&rec.validation_terms);
      if (!std::isfinite(rec.validation_loss))
        failure = describe_failure("validation loss", rec.validation_loss, epoch, -1, batches);
    }
    if (!failure.empty()) {
      // Restart the epoch from the best weights (the initial ones before the first finite
      // epoch) with fresh Adam moments and half the learning rate, a bounded number of times;
      // the failed attempt leaves no record, so the history and the weights stay finite.
      char rate[32];
      if (summary->non_finite_restarts == kMaxNonFiniteRestarts) {
        std::snprintf(rate, sizeof rate, "%.3g", learning_rate);
        throw core::Error("train: " + failure + ", again after " +
                          std::to_string(kMaxNonFiniteRestarts) +
                          " restarts from the best weights with the learning rate halved each "
                          "time (down to " + rate +
                          "); try a lower learning rate (--lr) and check the data for extreme "
                          "values");
      }
      ++summary->non_finite_restarts;
      nn::unflatten_values(best, params);
      learning_rate *= 0.5;
      adam_options.learning_rate = learning_rate;
      adam = nn::Adam(params, adam_options);
      std::snprintf(rate, sizeof rate, "%.3g", learning_rate);
      restarts_note +=
          "; " + failure + ": restarted from the best weights with learning rate " + rate;
      report(epoch, nullptr, failure + "; restarting with learning rate " + rate);
      --epoch;
      continue;
    }
    rec.seconds = epoch_clock.seconds();
    summary->history.push_back(rec);
    summary->epochs = epoch;
    if (rec.validation_loss < best_loss) {
      best_loss = rec.validation_loss;
      best = nn::flatten_values(params);
      summary->best_epoch = epoch;
      since_best = 0;
    } else {
      ++since_best;
      if (options.lr_plateau > 0 && since_best % options.lr_plateau == 0)
        learning_rate = std::max(0.5 * learning_rate, options.min_learning_rate);
    }
    report(epoch, &summary->history.back(), "");
    checkpoint(epoch);
    if (options.patience > 0 && since_best >= options.patience) {
      summary->stop_reason = StopReason::kEarlyStopping;
      break;
    }
  }
  if (summary->stop_reason == StopReason::kNotRun) summary->stop_reason = StopReason::kMaxEpochs;
  nn::unflatten_values(best, params);
  summary->best_validation_loss = best_loss;
  summary->seconds = seconds_before + clock.seconds();
  char msg[200];
  std::snprintf(msg, sizeof msg, "%s after %d epochs; best validation loss %.4f at epoch %d (%.1f s)",
                stop_reason_name(summary->stop_reason).c_str(), summary->epochs, best_loss,
                summary->best_epoch, summary->seconds);
  summary->message = msg + restarts_note;
  core::check(summary->best_epoch > 0 && best.allFinite(),
              "train: no epoch gave finite weights and a finite validation loss (" +
                  summary->message + ")");
}

TrainValidationSplit split_train_validation(long n, double validation_fraction, std::uint64_t seed) {
  const long n_val = std::max(1L, std::lround(validation_fraction * n));
  core::check(n - n_val >= 2, "train: need at least 3 simulations, got " + std::to_string(n));
  std::vector<long> order(n);
  std::iota(order.begin(), order.end(), 0L);
  core::Rng split_rng(seed, 0x5417);
  for (long i = n - 1; i > 0; --i) std::swap(order[i], order[split_rng.below(i + 1)]);
  return {std::vector<long>(order.begin(), order.end() - n_val),
          std::vector<long>(order.end() - n_val, order.end())};
}

void check_training_noise(const TrainOptions& options, const PosteriorModel& model) {
  const TrainingNoise& noise = options.x_noise;
  if (!noise.enabled()) return;
  core::check(noise.sigma.size() == model.x_dim(),
              "train: the training noise has " + std::to_string(noise.sigma.size()) +
                  " standard deviations but x has " + std::to_string(model.x_dim()) + " dimensions");
  core::check(noise.sigma.allFinite() && (noise.sigma.array() >= 0).all(),
              "train: the training noise's standard deviations must be finite and >= 0");
  core::check(!model.x_shape.is_set(),
              "train: training noise (--noise-sigma, --noise-map) applies to images and "
              "vectors, not to set data (" + model.x_shape.describe() + ")");
}

void add_validation_noise(const TrainOptions& options, Eigen::MatrixXd* x_validation) {
  if (!options.x_noise.enabled()) return;
  core::Rng validation_rng(options.seed, 0x401);
  add_gaussian_noise(options.x_noise.sigma, &validation_rng, x_validation);
}

void fit_standardizers(const TrainOptions& options, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
                       PosteriorModel* model) {
  model->theta_norm = Standardizer::fit(model->unbounded(theta), {}, {"theta", model->parameter_names});
  // With training noise, the statistics of the data as the network sees it: noisy.
  const TrainingNoise& noise = options.x_noise;
  Eigen::MatrixXd noisy;
  if (noise.enabled()) {
    noisy = x;
    core::Rng statistics_rng(options.seed, 0x402);
    add_gaussian_noise(noise.sigma, &statistics_rng, &noisy);
  }
  model->x_norm = Standardizer::fit(noise.enabled() ? noisy : x,
                                    model->x_shape,  // per feature for set data
                                    {"x", model->data_names}, model->x_norm.mask);
}

Eigen::VectorXd standardised_noise(const TrainOptions& options, const PosteriorModel& model) {
  if (!options.x_noise.enabled()) return {};
  // σ / std per dimension, 0 where the mask zeroes x.
  Eigen::VectorXd sigma = options.x_noise.sigma.cwiseQuotient(model.x_norm.std);
  if (model.x_norm.has_mask())
    for (Eigen::Index d = 0; d < sigma.size(); ++d)
      if (!model.x_norm.mask[d]) sigma[d] = 0;
  return sigma;
}

namespace {

// Balanced NPE's log p(θ) per pair in the coordinates z q works in: log p(θ) + log |dθ/dz|
// (θ = mean + std ⊙ z without unbounding: + Σ_k log std_k).
NpeBalance balance_of(const TrainOptions& options, const Eigen::MatrixXd& theta_train,
                      const Eigen::MatrixXd& theta_validation, const PosteriorModel& model) {
  core::check(!model.is_likelihood(), "train: balanced NPE (--balance) is for posteriors, not likelihoods");
  core::check(model.prior.has_value(),
              "train: balanced NPE (--balance) compares q(theta | x) with the prior: give the prior "
              "(--prior, or a simulation file that records it)");
  NpeBalance b;
  b.weight = options.balance;
  b.log_prior_train = model.prior->log_prob_batch(theta_train) + model.log_abs_det_density_to_theta(theta_train);
  b.log_prior_validation =
      model.prior->log_prob_batch(theta_validation) + model.log_abs_det_density_to_theta(theta_validation);
  return b;
}

// The augmentation of TrainOptions::symmetries, after checking that each maps x's pixel mask
// (if any) onto itself: a masked pixel must stay masked.
BatchAugmentation augmentation_of(const TrainOptions& options, const PosteriorModel& model) {
  if (options.symmetries.empty()) return {};
  core::check(!model.is_likelihood(), "train: symmetry augmentation is for posteriors, not likelihoods");
  if (model.x_norm.has_mask())
    for (const simulators::Symmetry& g : options.symmetries)
      for (size_t i = 0; i < g.x_from.size(); ++i)
        core::check(model.x_norm.mask[static_cast<Eigen::Index>(i)] == model.x_norm.mask[g.x_from[i]],
                    "train: the mask is not unchanged by the symmetry '" + g.name +
                        "': augmentation would move masked pixels; leave out the mask or the augmentation");
  return BatchAugmentation(options.symmetries, model.theta_norm, model.theta_unbounding, options.seed ^ 0xA6E);
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
  const TrainValidationSplit split =
      split_train_validation(theta.cols(), options.validation_fraction, options.seed);
  const std::vector<long>& train_idx = split.train;
  const std::vector<long>& val_idx = split.validation;
  const long n_train = static_cast<long>(train_idx.size());
  const long n_val = static_cast<long>(val_idx.size());
  const Eigen::MatrixXd theta_train = theta(Eigen::all, train_idx);
  const Eigen::MatrixXd x_train = x(Eigen::all, train_idx);
  Eigen::MatrixXd x_validation = x(Eigen::all, val_idx);
  const TrainingNoise& noise = options.x_noise;
  check_training_noise(options, *model);
  add_validation_noise(options, &x_validation);
  fit_standardizers(options, theta_train, x_train, model);
  check_batch_memory(model->parameters(), std::min<long>(options.batch_size, n_train),
                     theta.rows() + x.rows(), model->embedding->cached_numbers_per_sample());
  Eigen::MatrixXd theta_t = model->density_coordinates(theta_train);
  Eigen::MatrixXd x_t = model->x_norm.apply(x_train);
  Eigen::MatrixXd theta_v = model->density_coordinates(theta(Eigen::all, val_idx));
  Eigen::MatrixXd x_v = model->x_norm.apply(x_validation);
  const Eigen::VectorXd noise_standardised = standardised_noise(options, *model);
  const BatchAugmentation augmentation = augmentation_of(options, *model);
  TrainSummary pretraining;
  // A resumed run continues the NPE phase: the pretrained weights are in the checkpoint.
  if (options.pretrain_epochs > 0 && !model->embedding->parameters().empty() && options.resume == nullptr) {
    core::Rng readout_rng(options.seed, 0x9e7);
    EmbeddingRegressionObjective regression(
        model->embedding.get(), theta_t, x_t, theta_v, x_v, &readout_rng,
        noise.enabled() ? BatchNoise(noise_standardised, options.seed ^ 0x9e7) : BatchNoise(),
        augmentation.enabled() ? augmentation.for_replica(0x9e7) : BatchAugmentation());  // a stream of its own
    TrainOptions pre = options;
    pre.max_epochs = options.pretrain_epochs;
    pre.phase = "pretrain";
    pre.on_checkpoint = nullptr;
    pretraining.num_validation = n_val;
    fit(pre, &regression, &pretraining);
  }
  NpeBalance balance;
  if (options.balance > 0) balance = balance_of(options, theta_train, theta(Eigen::all, val_idx), *model);
  NpeObjective objective(model, std::move(theta_t), std::move(x_t), std::move(theta_v),
                         std::move(x_v),
                         noise.enabled() ? BatchNoise(noise_standardised, options.seed) : BatchNoise(),
                         std::move(balance), augmentation);
  summary->num_validation = n_val;
  fit(options, &objective, summary);
  if (options.balance > 0) {
    std::vector<double> terms;
    objective.validation_loss(&terms);  // the restored best weights
    summary->validation_balance = objective.validation_balance();
    char line[200];
    std::snprintf(line, sizeof line,
                  "; balanced NPE (weight %g): on the held-out pairs E_joint d + E_marginal d = %.4f "
                  "(1 when balanced)",
                  options.balance, summary->validation_balance);
    summary->message += line;
  }
  summary->x_noise = noise.description;
  if (options.resume != nullptr)
    summary->message += "; resumed after epoch " + std::to_string(options.resume->epoch);
  if (pretraining.epochs > 0) {
    summary->pretrain_epochs = pretraining.epochs;
    summary->pretrain_validation_mse = pretraining.best_validation_loss;
    char line[160];
    std::snprintf(line, sizeof line,
                  "; embedding pretrained by regression for %d epochs (held-out MSE %.4f, %.1f s)",
                  pretraining.epochs, pretraining.best_validation_loss, pretraining.seconds);
    summary->message += line;
  }
}

}  // namespace sbi
