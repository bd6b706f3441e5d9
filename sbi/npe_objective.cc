#include "sbi/npe_objective.h"

#include "core/error.h"
#include "sbi/balance_term.h"

namespace sbi {

NpeObjective::NpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train,
                           Eigen::MatrixXd x_train, Eigen::MatrixXd theta_validation,
                           Eigen::MatrixXd x_validation, BatchNoise noise, NpeBalance balance,
                           BatchAugmentation augmentation)
    : NpeObjective(model, std::make_shared<InMemoryExamples>(std::move(theta_train), std::move(x_train)),
                   std::move(theta_validation), std::move(x_validation), std::move(noise), std::move(balance),
                   std::move(augmentation)) {}

NpeObjective::NpeObjective(PosteriorModel* model, std::shared_ptr<TrainingExamples> train,
                           Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation, BatchNoise noise,
                           NpeBalance balance, BatchAugmentation augmentation)
    : model_(model),
      data_(std::make_shared<const Data>(
          Data{std::move(train), std::move(theta_validation), std::move(x_validation), std::move(balance)})),
      noise_(std::move(noise)),
      augmentation_(std::move(augmentation)) {
  const NpeBalance& b = data_->balance;
  if (!b.enabled()) return;
  core::check(b.log_prior_train.size() == data_->train->size() &&
                  b.log_prior_validation.size() == data_->theta_validation.cols(),
              "balanced NPE: one log prior density per training and validation pair is needed");
  core::check(b.log_prior_train.allFinite() && b.log_prior_validation.allFinite(),
              "balanced NPE: every simulated theta must lie inside the prior's support");
}

NpeObjective::NpeObjective(std::shared_ptr<PosteriorModel> owned, std::shared_ptr<const Data> data,
                           BatchNoise noise, BatchAugmentation augmentation)
    : owned_model_(std::move(owned)),
      model_(owned_model_.get()),
      data_(std::move(data)),
      noise_(std::move(noise)),
      augmentation_(std::move(augmentation)) {}

std::unique_ptr<Objective> NpeObjective::replicate(int replica) {
  auto copy = std::make_shared<PosteriorModel>(model_->copy_networks());
  // The density's training draws (a CNF's times, a score model's noise): a stream of the
  // replica's own, derived from this one's current state (a core::Rng state vector).
  const std::vector<std::uint64_t> state = model_->density->random_state();
  if (!state.empty()) {
    std::uint64_t mixed = 0;
    for (std::uint64_t word : state) mixed = mixed * 0x9E3779B97F4A7C15ULL + word;
    copy->density->set_random_state(
        core::Rng(mixed, 0x5A4D0000 + static_cast<std::uint64_t>(replica)).state_vector());
  }
  return std::unique_ptr<Objective>(new NpeObjective(std::move(copy), data_, noise_.for_replica(replica),
                                                     augmentation_.for_replica(replica)));
}

double NpeObjective::loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  data_->train->gather(batch, &theta_batch_, &x_batch_);
  augmentation_.apply(&theta_batch_, &x_batch_);
  noise_.add(&x_batch_);
  if (data_->balance.enabled()) return balanced_loss_and_gradient(batch, terms);
  const Eigen::MatrixXd& context = model_->embedding->forward(x_batch_);
  const double loss = model_->density->loss_and_gradient(theta_batch_, context, &grad_context_);
  model_->embedding->backward(grad_context_);
  terms->assign(1, loss);
  return loss;
}

namespace {

// The columns of m rolled by one: column i of the result is column i - 1 of m (the last for i = 0).
Eigen::MatrixXd rolled_by_one(const Eigen::MatrixXd& m) {
  const Eigen::Index n = m.cols();
  Eigen::MatrixXd out(m.rows(), n);
  out.rightCols(n - 1) = m.leftCols(n - 1);
  out.col(0) = m.col(n - 1);
  return out;
}

}  // namespace

double NpeObjective::balanced_loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  const Eigen::Index n = theta_batch_.cols();
  const Eigen::MatrixXd& context = model_->embedding->forward(x_batch_);
  // One pass over 2n pairs: the joint (θ_i, x_i), then the marginal (θ_{i-1}, x_i).
  Eigen::MatrixXd theta_pairs(theta_batch_.rows(), 2 * n), context_pairs(context.rows(), 2 * n);
  theta_pairs << theta_batch_, rolled_by_one(theta_batch_);
  context_pairs << context, context;
  const Eigen::VectorXd log_q = model_->density->train_log_prob(theta_pairs, context_pairs);
  Eigen::VectorXd log_prior(2 * n);  // rolled like θ for the marginal pairs
  for (Eigen::Index i = 0; i < n; ++i) log_prior[i] = data_->balance.log_prior_train[batch[static_cast<size_t>(i)]];
  log_prior.tail(n) = rolled_by_one(log_prior.head(n).transpose()).transpose();
  const Eigen::VectorXd ratio = log_q - log_prior;
  Eigen::VectorXd weights;  // d loss / d log q of each pair
  const BalanceTerm balance = balance_term(ratio.head(n), ratio.tail(n), data_->balance.weight, &weights);
  const double nll = -log_q.head(n).mean();
  weights.head(n).array() -= 1 / static_cast<double>(n);
  Eigen::MatrixXd grad_pairs;
  model_->density->add_log_prob_gradient(weights, &grad_pairs);
  grad_context_ = grad_pairs.leftCols(n) + grad_pairs.rightCols(n);
  model_->embedding->backward(grad_context_);
  terms->assign({nll, balance.penalty});
  return nll + balance.penalty;
}

double NpeObjective::validation_loss(std::vector<double>* terms) {
  if (data_->balance.enabled()) {
    const Eigen::MatrixXd& theta = data_->theta_validation;
    const Eigen::MatrixXd context = model_->embedding->embed(data_->x_validation);
    const Eigen::VectorXd& log_prior = data_->balance.log_prior_validation;
    const Eigen::VectorXd log_q = model_->density->log_prob(theta, context);
    const Eigen::VectorXd log_q_marginal = model_->density->log_prob(rolled_by_one(theta), context);
    const Eigen::VectorXd log_prior_marginal = rolled_by_one(log_prior.transpose()).transpose();
    const BalanceTerm balance =
        balance_term(log_q - log_prior, log_q_marginal - log_prior_marginal, data_->balance.weight);
    validation_balance_ = balance.sum;
    const double nll = -log_q.mean();
    terms->assign({nll, balance.penalty});
    return nll + balance.penalty;
  }
  // The density's own validation loss (by default -mean log q; flow matching has its own).
  const double loss = model_->density->validation_loss(data_->theta_validation,
                                                       model_->embedding->embed(data_->x_validation));
  terms->assign(1, loss);
  return loss;
}

}  // namespace sbi
