#include "sbi/npe_objective.h"

namespace sbi {

NpeObjective::NpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train,
                           Eigen::MatrixXd x_train, Eigen::MatrixXd theta_validation,
                           Eigen::MatrixXd x_validation, BatchNoise noise)
    : model_(model),
      theta_train_(std::move(theta_train)),
      x_train_(std::move(x_train)),
      theta_validation_(std::move(theta_validation)),
      x_validation_(std::move(x_validation)),
      noise_(std::move(noise)) {}

double NpeObjective::loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  gather_columns(theta_train_, batch, &theta_batch_);
  gather_columns(x_train_, batch, &x_batch_);
  noise_.add(&x_batch_);
  const Eigen::MatrixXd& context = model_->embedding->forward(x_batch_);
  const double loss = model_->density->loss_and_gradient(theta_batch_, context, &grad_context_);
  model_->embedding->backward(grad_context_);
  terms->assign(1, loss);
  return loss;
}

double NpeObjective::validation_loss(std::vector<double>* terms) {
  // The density's own validation loss (by default -mean log q; flow matching has its own).
  const double loss = model_->density->validation_loss(theta_validation_,
                                                       model_->embedding->embed(x_validation_));
  terms->assign(1, loss);
  return loss;
}

}  // namespace sbi
