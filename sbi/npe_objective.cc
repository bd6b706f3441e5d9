#include "sbi/npe_objective.h"

namespace sbi {

NpeObjective::NpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train,
                           Eigen::MatrixXd x_train, Eigen::MatrixXd theta_validation,
                           Eigen::MatrixXd x_validation, BatchNoise noise)
    : NpeObjective(model, std::make_shared<InMemoryExamples>(std::move(theta_train), std::move(x_train)),
                   std::move(theta_validation), std::move(x_validation), std::move(noise)) {}

NpeObjective::NpeObjective(PosteriorModel* model, std::shared_ptr<TrainingExamples> train,
                           Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation, BatchNoise noise)
    : model_(model),
      data_(std::make_shared<const Data>(
          Data{std::move(train), std::move(theta_validation), std::move(x_validation)})),
      noise_(std::move(noise)) {}

NpeObjective::NpeObjective(std::shared_ptr<PosteriorModel> owned, std::shared_ptr<const Data> data,
                           BatchNoise noise)
    : owned_model_(std::move(owned)), model_(owned_model_.get()), data_(std::move(data)), noise_(std::move(noise)) {}

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
  return std::unique_ptr<Objective>(new NpeObjective(std::move(copy), data_, noise_.for_replica(replica)));
}

double NpeObjective::loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  data_->train->gather(batch, &theta_batch_, &x_batch_);
  noise_.add(&x_batch_);
  const Eigen::MatrixXd& context = model_->embedding->forward(x_batch_);
  const double loss = model_->density->loss_and_gradient(theta_batch_, context, &grad_context_);
  model_->embedding->backward(grad_context_);
  terms->assign(1, loss);
  return loss;
}

double NpeObjective::validation_loss(std::vector<double>* terms) {
  // The density's own validation loss (by default -mean log q; flow matching has its own).
  const double loss = model_->density->validation_loss(data_->theta_validation,
                                                       model_->embedding->embed(data_->x_validation));
  terms->assign(1, loss);
  return loss;
}

}  // namespace sbi
