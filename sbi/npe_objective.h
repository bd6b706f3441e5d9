// Neural posterior estimation as an Objective: the loss is -mean log q(theta | x) over
// standardised pairs (the term "nll"), through the model's embedding and density; with an
// NpeBalance, balanced NPE: plus the balancing term of sbi/balance_term.h (the term "balance").
#pragma once

#include <limits>
#include <memory>

#include <Eigen/Core>

#include "sbi/batch_augmentation.h"
#include "sbi/objective.h"
#include "sbi/posterior_model.h"
#include "sbi/training_examples.h"
#include "sbi/training_noise.h"

namespace sbi {

// Balanced NPE's settings: the weight λ of the balancing term (0: plain NPE) and log p(θ) of
// every training and validation pair, in the standardised coordinates of q (log p(θ) plus the
// log-Jacobian of the standardisation), indexed like the examples. Coupling flows only (the
// term needs log q of pairs that were not simulated together).
struct NpeBalance {
  double weight = 0;
  Eigen::VectorXd log_prior_train, log_prior_validation;
  bool enabled() const { return weight > 0; }
};

class NpeObjective : public Objective {
 public:
  // Borrows the model; theta and x are already standardised, one pair per column. `noise`
  // is added to every training batch of x (sbi/training_noise.h), not to validation data.
  NpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train, Eigen::MatrixXd x_train,
               Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation,
               BatchNoise noise = {}, NpeBalance balance = {}, BatchAugmentation augmentation = {});
  // The same with training examples from anywhere (e.g. streamed from a file, sbi/out_of_core.h).
  NpeObjective(PosteriorModel* model, std::shared_ptr<TrainingExamples> train,
               Eigen::MatrixXd theta_validation, Eigen::MatrixXd x_validation, BatchNoise noise = {},
               NpeBalance balance = {}, BatchAugmentation augmentation = {});

  std::vector<std::string> term_names() const override {
    return data_->balance.enabled() ? std::vector<std::string>{"nll", "balance"} : std::vector<std::string>{"nll"};
  }
  long num_train() const override { return data_->train->size(); }
  nn::Parameters parameters() override { return model_->parameters(); }
  // Reseeds the training noise and augmentation (if any) for the epoch.
  void begin_epoch(int epoch) override {
    noise_.begin_epoch(epoch);
    augmentation_.begin_epoch(epoch);
  }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override;
  // With balance: -mean log q plus λ (sum - 1)² with the sum estimated on all held-out pairs
  // (marginal pairs: their θ rolled by one).
  double validation_loss(std::vector<double>* terms) override;
  // The balance sum E_joint d + E_marginal d on the held-out pairs as the last
  // validation_loss found it (NaN before, or without balance).
  double validation_balance() const { return validation_balance_; }
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
    NpeBalance balance;
  };
  NpeObjective(std::shared_ptr<PosteriorModel> owned, std::shared_ptr<const Data> data, BatchNoise noise,
               BatchAugmentation augmentation);

  std::shared_ptr<PosteriorModel> owned_model_;  // a replica's networks (null for replica 0)
  PosteriorModel* model_;
  std::shared_ptr<const Data> data_;  // shared by the replicas
  BatchNoise noise_;  // added to every training batch of x
  BatchAugmentation augmentation_;  // applied to every training batch before the noise
  // The balanced loss of the batch whose standardised pairs are in theta_batch_, x_batch_.
  double balanced_loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms);

  Eigen::MatrixXd theta_batch_, x_batch_, grad_context_;  // reused across steps
  double validation_balance_ = std::numeric_limits<double>::quiet_NaN();
};

}  // namespace sbi
