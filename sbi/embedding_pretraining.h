// Pretraining an embedding network by regression, before neural posterior estimation.
//
// Trained jointly with a flow from the start, an image embedding learns the parameters that
// buy the most log-likelihood first (an Einstein radius, a source position: posterior widths
// of a few per cent of the prior) and barely moves for those whose information is spread
// thinly over the image (a lens's axis ratio and position angle): measured on 18,000 lensing
// images, 30 epochs of NPE left q's posterior mean uncorrelated with the truth (R² 0.02)
// while a least-squares regression of θ on the same network reached R² 0.47 (examples/
// lensing/README.md). Regressing θ first (Jeffrey & Wandelt 2020; the "two-step" summary
// learning of Fluri et al. 2019) gives every parameter the same weight in the loss, so the
// embedding starts NPE with features for all of them; NPE then trains everything jointly.
//
//   loss = mean over the batch and the D parameters of (A c + b - θ)²,   c = embedding(x),
//
// with θ standardised as the flow sees it and (A, b) a linear readout that exists only
// during pretraining. Run through the same fit() loop as NPE (validation split, early
// stopping, best weights restored), so the embedding NPE starts from is the one with the
// lowest held-out error.
#pragma once

#include <Eigen/Core>

#include "core/rng.h"
#include "nn/dense.h"
#include "nn/embedding.h"
#include "sbi/batch_augmentation.h"
#include "sbi/objective.h"
#include "sbi/training_noise.h"

namespace sbi {

class EmbeddingRegressionObjective : public Objective {
 public:
  // Borrows the embedding; theta and x are standardised, one pair per column. The readout
  // (embedding->out_dim() -> theta rows) starts as PyTorch's nn.Linear does, drawn from rng.
  // `noise` is added to every training batch of x (sbi/training_noise.h), after the
  // `augmentation` (sbi/batch_augmentation.h).
  EmbeddingRegressionObjective(nn::Embedding* embedding, Eigen::MatrixXd theta_train,
                               Eigen::MatrixXd x_train, Eigen::MatrixXd theta_validation,
                               Eigen::MatrixXd x_validation, core::Rng* rng,
                               BatchNoise noise = {}, BatchAugmentation augmentation = {});

  std::vector<std::string> term_names() const override { return {"mse"}; }
  long num_train() const override { return theta_train_.cols(); }
  // The embedding's parameters, then "readout/weight", "readout/bias".
  nn::Parameters parameters() override;
  // Reseeds the training noise and augmentation (if any) for the epoch.
  void begin_epoch(int epoch) override {
    noise_.begin_epoch(epoch);
    augmentation_.begin_epoch(epoch);
  }
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override;
  double validation_loss(std::vector<double>* terms) override;

 private:
  nn::Embedding* embedding_;
  nn::Dense readout_;
  Eigen::MatrixXd theta_train_, x_train_, theta_validation_, x_validation_;
  BatchNoise noise_;  // added to every training batch of x
  BatchAugmentation augmentation_;
  Eigen::MatrixXd theta_batch_, x_batch_, prediction_, grad_prediction_, grad_context_;
};

}  // namespace sbi
