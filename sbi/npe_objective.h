// Neural posterior estimation as an Objective: the loss is -mean log q(theta | x) over
// standardised pairs (one term, "nll"), through the model's embedding and density.
#pragma once

#include <memory>

#include <Eigen/Core>

#include "sbi/objective.h"
#include "sbi/posterior_model.h"
#include "sbi/training_examples.h"
#include "sbi/training_noise.h"

namespace sbi {

class NpeObjective : public Objective {
 public:
  // Borrows the model; theta and x are already standardised, one pair per column. `noise`
  // is added to every training batch of x (sbi/training_noise.h), not to validation data.
  NpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train, Eigen::MatrixXd x_train,
               Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation,
               BatchNoise noise = {});
  // The same with training examples from anywhere (e.g. streamed from a file, sbi/out_of_core.h).
  NpeObjective(PosteriorModel* model, std::shared_ptr<TrainingExamples> train,
               Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation, BatchNoise noise = {});

  std::vector<std::string> term_names() const override { return {"nll"}; }
  long num_train() const override { return data_->train->size(); }
  nn::Parameters parameters() override { return model_->parameters(); }
  // Reseeds the training noise (if any) for the epoch.
  void begin_epoch(int epoch) override { noise_.begin_epoch(epoch); }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override;
  double validation_loss(std::vector<double>* terms) override;
  std::vector<std::uint64_t> carried_state() const override { return model_->density->random_state(); }
  void set_carried_state(const std::vector<std::uint64_t>& state) override {
    model_->density->set_random_state(state);
  }
  // A copy of the networks (PosteriorModel::copy_networks) on the same data, with the
  // training noise's and the density's random streams derived for the replica.
  std::unique_ptr<Objective> replicate(int replica) override;

 private:
  struct Data {
    std::shared_ptr<TrainingExamples> train;
    Eigen::MatrixXd theta_validation, x_validation;
  };
  NpeObjective(std::shared_ptr<PosteriorModel> owned, std::shared_ptr<const Data> data, BatchNoise noise);

  std::shared_ptr<PosteriorModel> owned_model_;  // a replica's networks (null for replica 0)
  PosteriorModel* model_;
  std::shared_ptr<const Data> data_;  // shared by the replicas
  BatchNoise noise_;  // added to every training batch of x
  Eigen::MatrixXd theta_batch_, x_batch_, grad_context_;  // reused across steps
};

}  // namespace sbi
