// Training a diffusion prior over images (diffusion/image_prior.h) with the toolkit's one
// training loop (sbi/trainer.h): the principal-component basis is fitted to the training
// split, then the score model learns the whitened coefficients by denoising score matching,
// early stopping on the held-out split's denoising loss on fixed draws.
#pragma once

#include <Eigen/Core>

#include "core/data_shape.h"
#include "diffusion/image_prior.h"
#include "sbi/trainer.h"

namespace sbi {

struct ImagePriorOptions {
  int max_components = 256;         // K at most
  double variance_fraction = 0.999;  // K: the fewest components holding this fraction
  diffusion::ScoreModelOptions score;  // theta_dim and context_dim are set by the training
  bool is_valid(std::string* error) const;
};

// x: the images, D x N (shape.flat_dim() = D), finite. The split of options.validation_fraction
// (seeded by train.seed) is held out of both the basis and the score model's training.
diffusion::ImagePrior train_image_prior(const Eigen::MatrixXd& x, const core::DataShape& shape,
                                        const ImagePriorOptions& options, const TrainOptions& train,
                                        TrainSummary* summary);

}  // namespace sbi
