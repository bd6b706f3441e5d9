// Training a VAE with the toolkit's one training loop (sbi::fit): a seeded train /
// validation split (sbi::split_train_validation), the data standardisation fitted on the
// training split (Gaussian likelihood), the ELBO objective with its β control, early
// stopping on the validation loss and the best weights restored.
#pragma once

#include <vector>

#include "sbi/trainer.h"
#include "vae/beta_control.h"
#include "vae/vae_model.h"

namespace sbi::vae {

struct VaeTrainResult {
  TrainSummary summary;       // terms "distortion" and "rate" per epoch
  std::vector<double> betas;  // β of each epoch
};

// x: x_dim x N, finite (and in [0, 1] for a Bernoulli likelihood). Throws core::Error on
// bad data, naming the problem.
VaeTrainResult train_vae(const TrainOptions& options, const BetaOptions& beta, const nn::Matrix& x,
                         Vae* vae);

}  // namespace sbi::vae
