#include "sbi/atomic_npe.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace sbi {

AtomicNpeObjective::AtomicNpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train, Eigen::MatrixXd x_train,
                                       Eigen::VectorXd log_prior_train, Eigen::MatrixXd theta_validation,
                                       Eigen::MatrixXd x_validation, Eigen::VectorXd log_prior_validation,
                                       int num_atoms, std::uint64_t seed)
    : model_(model),
      data_(std::make_shared<const Data>(Data{std::move(theta_train), std::move(x_train), std::move(theta_validation),
                                              std::move(x_validation), std::move(log_prior_train),
                                              std::move(log_prior_validation)})),
      num_atoms_(num_atoms),
      seed_(seed),
      rng_(seed, 0xA70) {
  core::check(num_atoms_ >= 2, "SNPE-C: the number of atoms must be >= 2, got " + std::to_string(num_atoms_));
  core::check(data_->log_prior_train.allFinite() && data_->log_prior_validation.allFinite(),
              "SNPE-C: every simulated theta must lie inside the prior's support");
}

AtomicNpeObjective::AtomicNpeObjective(std::shared_ptr<PosteriorModel> owned, std::shared_ptr<const Data> data,
                                       int num_atoms, std::uint64_t seed, int replica)
    : owned_model_(std::move(owned)),
      model_(owned_model_.get()),
      data_(std::move(data)),
      num_atoms_(num_atoms),
      seed_(seed),
      rng_(seed, 0xA70 + 0x100 * static_cast<std::uint64_t>(replica)) {}

std::unique_ptr<Objective> AtomicNpeObjective::replicate(int replica) {
  return std::unique_ptr<Objective>(new AtomicNpeObjective(std::make_shared<PosteriorModel>(model_->copy_networks()),
                                                           data_, num_atoms_, seed_, replica));
}

double AtomicNpeObjective::atomic_loss(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
                                       const Eigen::VectorXd& log_prior, const std::vector<long>& rows,
                                       core::Rng* rng, bool train) {
  const long b = static_cast<long>(rows.size());
  // The atoms come from the batch's rows; a shard of one pair draws them from all of theta.
  std::vector<long> pool = rows;
  if (b < 2) {
    pool.resize(static_cast<size_t>(theta.cols()));
    for (long j = 0; j < theta.cols(); ++j) pool[static_cast<size_t>(j)] = j;
  }
  const long n_pool = static_cast<long>(pool.size());
  const long a = std::min<long>(num_atoms_, n_pool);
  core::check(a >= 2, "SNPE-C: the atomic loss needs at least 2 pairs");
  // Atom 0 of pair i is its own θ; atoms 1.. are other rows of the pool, without replacement.
  Eigen::MatrixXd atoms(theta.rows(), b * a);
  Eigen::VectorXd atom_log_prior(b * a);
  std::vector<long> chosen;  // rows of theta
  for (long i = 0; i < b; ++i) {
    const long own = rows[static_cast<size_t>(i)];
    chosen.assign(1, own);
    while (static_cast<long>(chosen.size()) < a) {
      const long j = pool[static_cast<size_t>(rng->below(static_cast<std::uint64_t>(n_pool)))];
      if (std::find(chosen.begin(), chosen.end(), j) == chosen.end()) chosen.push_back(j);
    }
    for (long k = 0; k < a; ++k) {
      atoms.col(i * a + k) = theta.col(chosen[static_cast<size_t>(k)]);
      atom_log_prior[i * a + k] = log_prior[chosen[static_cast<size_t>(k)]];
    }
  }
  Eigen::MatrixXd x_batch(x.rows(), b);
  for (long i = 0; i < b; ++i) x_batch.col(i) = x.col(rows[static_cast<size_t>(i)]);
  const Eigen::MatrixXd context = train ? model_->embedding->forward(x_batch) : model_->embedding->embed(x_batch);
  Eigen::MatrixXd repeated(context.rows(), b * a);
  for (long i = 0; i < b; ++i)
    for (long k = 0; k < a; ++k) repeated.col(i * a + k) = context.col(i);
  const Eigen::VectorXd log_q =
      train ? model_->density->train_log_prob(atoms, repeated) : model_->density->log_prob(atoms, repeated);
  // loss_i = logsumexp_k r_ik - r_i0 with r = log q - log p; d loss / d log q_ik = softmax_k - δ_k0.
  double loss = 0;
  Eigen::VectorXd weights(b * a);
  for (long i = 0; i < b; ++i) {
    const Eigen::VectorXd r = log_q.segment(i * a, a) - atom_log_prior.segment(i * a, a);
    const double top = r.maxCoeff();
    const Eigen::ArrayXd e = (r.array() - top).exp();
    const double sum = e.sum();
    loss += top + std::log(sum) - r[0];
    weights.segment(i * a, a) = e.matrix() / sum;
    weights[i * a] -= 1;
  }
  loss /= static_cast<double>(b);
  if (train) {
    // The gradient of mean_i loss_i: sum over (i, k) of weights_ik / b d log q_ik.
    Eigen::MatrixXd grad_repeated;
    model_->density->add_log_prob_gradient(weights / static_cast<double>(b), &grad_repeated);
    grad_context_.setZero(context.rows(), b);
    for (long i = 0; i < b; ++i)
      for (long k = 0; k < a; ++k) grad_context_.col(i) += grad_repeated.col(i * a + k);
    model_->embedding->backward(grad_context_);
  }
  return loss;
}

double AtomicNpeObjective::loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  const double loss = atomic_loss(data_->theta_train, data_->x_train, data_->log_prior_train, batch, &rng_, true);
  terms->assign(1, loss);
  return loss;
}

double AtomicNpeObjective::validation_loss(std::vector<double>* terms) {
  core::Rng rng(seed_, 0xA71);
  const long n = data_->theta_validation.cols();
  const long per = 200;
  double sum = 0;
  long counted = 0;
  std::vector<long> rows;
  for (long first = 0; first < n; first += per) {
    const long count = std::min(per, n - first);
    if (count < 2) break;
    rows.resize(static_cast<size_t>(count));
    for (long i = 0; i < count; ++i) rows[static_cast<size_t>(i)] = first + i;
    sum += static_cast<double>(count) *
           atomic_loss(data_->theta_validation, data_->x_validation, data_->log_prior_validation, rows, &rng, false);
    counted += count;
  }
  const double loss = sum / static_cast<double>(counted);
  terms->assign(1, loss);
  return loss;
}

void train_atomic(const TrainOptions& options, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
                  const core::Prior& prior, int num_atoms, PosteriorModel* model, TrainSummary* summary) {
  *summary = TrainSummary{};
  core::check_valid(options, "train");
  core::check(theta.cols() == x.cols() && theta.rows() == model->theta_dim() && x.rows() == model->x_dim(),
              "train: data dimensions do not match the model");
  core::check(theta.allFinite() && x.allFinite(), "train: theta and x must be finite");
  core::check(prior.dim() == model->theta_dim(), "train: the prior's dimension is not the model's");
  core::check(!options.x_noise.enabled() && options.pretrain_epochs == 0,
              "SNPE-C: training noise and embedding pretraining are not offered with the atomic loss");
  const TrainValidationSplit split = split_train_validation(theta.cols(), options.validation_fraction, options.seed);
  core::check(split.validation.size() >= 2, "SNPE-C: need at least 2 held-out pairs; simulate more");
  const Eigen::MatrixXd theta_train = theta(Eigen::all, split.train), x_train = x(Eigen::all, split.train);
  const Eigen::MatrixXd theta_val = theta(Eigen::all, split.validation), x_val = x(Eigen::all, split.validation);
  fit_standardizers(options, theta_train, x_train, model);
  // The prior's density in the flow's coordinates, as q's.
  const auto log_prior = [&](const Eigen::MatrixXd& t) -> Eigen::VectorXd {
    return prior.log_prob_batch(t) + model->log_abs_det_density_to_theta(t);
  };
  AtomicNpeObjective objective(model, model->density_coordinates(theta_train), model->x_norm.apply(x_train),
                               log_prior(theta_train), model->density_coordinates(theta_val),
                               model->x_norm.apply(x_val), log_prior(theta_val), num_atoms, options.seed);
  summary->num_validation = static_cast<long>(split.validation.size());
  fit(options, &objective, summary);
  if (options.resume != nullptr)
    summary->message += "; resumed after epoch " + std::to_string(options.resume->epoch);
}

}  // namespace sbi
