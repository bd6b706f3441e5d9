// SNPE-C / APT with the atomic loss (Greenberg, Nonnenmacher & Macke 2019, eq. 6): pairs
// (θ_i, x_i) simulated at θ from any proposal (or a mixture of the rounds' proposals) train
// q(θ | x) by classifying, for each x_i, its own θ_i among A atoms {θ_i and A - 1 other θ of
// the batch}:
//
//   loss_i = -log [ (q(θ_i | x_i) / p(θ_i)) / Σ_a (q(θ_a | x_i) / p(θ_a)) ],
//
// whose minimiser is the posterior whatever the proposal (the proposal cancels; the prior p
// enters through the ratios). Only for densities with a cheap exact log q (realnvp, nsf).
// Atoms come from the objective's own random stream, carried in checkpoints. Data-parallel
// training (sbi/data_parallel.h) splits a batch into shards whose pairs draw their atoms from
// their own shard: still θ of the proposals, so the proposal still cancels; the result is
// reproducible for a given shard count.
#pragma once

#include <cstdint>
#include <memory>

#include <Eigen/Core>

#include "core/prior.h"
#include "core/rng.h"
#include "sbi/objective.h"
#include "sbi/posterior_model.h"
#include "sbi/trainer.h"

namespace sbi {

class AtomicNpeObjective : public Objective {
 public:
  // Borrows the model; theta and x standardised, log_prior the prior's log density of each
  // pair's θ in the original units (its Jacobian is a constant that cancels).
  AtomicNpeObjective(PosteriorModel* model, Eigen::MatrixXd theta_train, Eigen::MatrixXd x_train,
                     Eigen::VectorXd log_prior_train, Eigen::MatrixXd theta_validation,
                     Eigen::MatrixXd x_validation, Eigen::VectorXd log_prior_validation, int num_atoms,
                     std::uint64_t seed);

  std::vector<std::string> term_names() const override { return {"atomic"}; }
  long num_train() const override { return data_->theta_train.cols(); }
  nn::Parameters parameters() override { return model_->parameters(); }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override;
  // The atomic loss on the held-out pairs with atoms drawn from them by a fixed stream (the
  // same every epoch), in batches of 200 pairs.
  double validation_loss(std::vector<double>* terms) override;
  std::vector<std::uint64_t> carried_state() const override { return rng_.state_vector(); }
  void set_carried_state(const std::vector<std::uint64_t>& state) override { rng_.set_state_vector(state); }
  // A copy with its own copy of the networks and the atom stream (seed, replica).
  std::unique_ptr<Objective> replicate(int replica) override;

 private:
  struct Data {
    Eigen::MatrixXd theta_train, x_train, theta_validation, x_validation;
    Eigen::VectorXd log_prior_train, log_prior_validation;
  };
  AtomicNpeObjective(std::shared_ptr<PosteriorModel> owned, std::shared_ptr<const Data> data, int num_atoms,
                     std::uint64_t seed, int replica);

  // The atomic loss of pairs `rows` of (theta, x, log_prior): for each, itself and A - 1
  // other rows drawn without replacement by *rng; with gradients when `train`.
  double atomic_loss(const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x, const Eigen::VectorXd& log_prior,
                     const std::vector<long>& rows, core::Rng* rng, bool train);

  std::shared_ptr<PosteriorModel> owned_model_;  // a replica's copy of the networks
  PosteriorModel* model_;
  std::shared_ptr<const Data> data_;
  int num_atoms_;
  std::uint64_t seed_;
  core::Rng rng_;
  Eigen::MatrixXd grad_context_;
};

// train() with the atomic loss: the split, the standardisation and the loop of train()
// (sbi/trainer.h), the objective above. theta must lie in the prior's support (finite log p).
// Embedding pretraining and training noise are not offered here.
void train_atomic(const TrainOptions& options, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
                  const core::Prior& prior, int num_atoms, PosteriorModel* model, TrainSummary* summary);

}  // namespace sbi
