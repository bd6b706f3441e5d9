#include "sbi/embedding_pretraining.h"

namespace sbi {

EmbeddingRegressionObjective::EmbeddingRegressionObjective(
    nn::Embedding* embedding, Eigen::MatrixXd theta_train, Eigen::MatrixXd x_train,
    Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation, core::Rng* rng,
    BatchNoise noise, BatchAugmentation augmentation)
    : embedding_(embedding),
      readout_(embedding->out_dim(), static_cast<int>(theta_train.rows())),
      theta_train_(std::move(theta_train)),
      x_train_(std::move(x_train)),
      theta_validation_(std::move(theta_validation)),
      x_validation_(std::move(x_validation)),
      noise_(std::move(noise)),
      augmentation_(std::move(augmentation)) {
  readout_.initialize(nn::Init::kPyTorch, rng);
}

nn::Parameters EmbeddingRegressionObjective::parameters() {
  nn::Parameters params = embedding_->parameters();
  nn::append_parameters("readout", readout_.parameters(), &params);
  return params;
}

double EmbeddingRegressionObjective::loss_and_gradient(const std::vector<long>& batch,
                                                       std::vector<double>* terms) {
  gather_columns(theta_train_, batch, &theta_batch_);
  gather_columns(x_train_, batch, &x_batch_);
  augmentation_.apply(&theta_batch_, &x_batch_);
  noise_.add(&x_batch_);
  const Eigen::MatrixXd& context = embedding_->forward(x_batch_);
  readout_.forward(context, &prediction_);
  grad_prediction_ = prediction_ - theta_batch_;
  const double count = static_cast<double>(grad_prediction_.size());
  const double loss = grad_prediction_.squaredNorm() / count;
  grad_prediction_ *= 2.0 / count;  // d loss / d prediction
  readout_.backward(context, grad_prediction_, &grad_context_);
  embedding_->backward(grad_context_);
  terms->assign(1, loss);
  return loss;
}

double EmbeddingRegressionObjective::validation_loss(std::vector<double>* terms) {
  Eigen::MatrixXd prediction;
  readout_.forward(embedding_->embed(x_validation_), &prediction);
  const double loss = (prediction - theta_validation_).squaredNorm() /
                      static_cast<double>(theta_validation_.size());
  terms->assign(1, loss);
  return loss;
}

}  // namespace sbi
