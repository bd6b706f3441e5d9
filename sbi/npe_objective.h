// Neural posterior estimation as an Objective: the loss is -mean log q(theta | x) over
// standardised pairs (one term, "nll"), through the model's embedding and density.
#pragma once

#include <Eigen/Core>

#include "sbi/objective.h"
#include "sbi/posterior_model.h"

namespace sbi {

class NpeObjective : public Objective {
 public:
  // Borrows the model; theta and x are already standardised, one pair per column.
  NpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train, Eigen::MatrixXd x_train,
               Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation);

  std::vector<std::string> term_names() const override { return {"nll"}; }
  long num_train() const override { return theta_train_.cols(); }
  nn::Parameters parameters() override { return model_->parameters(); }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override;
  double validation_loss(std::vector<double>* terms) override;

 private:
  PosteriorModel* model_;
  Eigen::MatrixXd theta_train_, x_train_, theta_validation_, x_validation_;
  Eigen::MatrixXd theta_batch_, x_batch_, grad_context_;  // reused across steps
};

}  // namespace sbi
