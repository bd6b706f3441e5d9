// A diffusion prior over images (issue 15): a score model (diffusion/score_model.h, without
// context) of the whitened principal-component coefficients w of the images
// (diffusion/pca_basis.h), x = decode(w). Training on w instead of the D pixels keeps the
// network small (a few hundred inputs for 32 x 32 images whose variance lies in a few
// hundred directions) and is exact on the basis' span; what the truncation leaves out is the
// basis' 1 - retained_fraction() of the training images' variance.
//
// posterior_sample draws p(x | y) for a linear-Gaussian observation y = A x + n of the
// pixels: the observation is moved to the coefficients (PcaBasis::in_coefficients), the
// guided noise predictor of diffusion/inverse_problem.h drives the reverse SDE (or
// predictor-corrector) sampler, and the draws are decoded. Draws are split into chunks of
// 256, each with its own random stream seeded in order from `rng`, so the result does not
// depend on the number of threads.
#pragma once

#include <cstdint>

#include "core/data_shape.h"
#include "core/rng.h"
#include "diffusion/inverse_problem.h"
#include "diffusion/pca_basis.h"
#include "diffusion/score_model.h"

namespace sbi::diffusion {

struct PosteriorSamplingOptions {
  Guidance guidance = Guidance::kConvolved;  // Adam et al. 2022: no network derivative
  SdeSamplerOptions sde;                     // steps, corrector steps (predictor-corrector), snr
  bool is_valid(std::string* error) const;
};

class ImagePrior {
 public:
  // `score` must have theta_dim = basis.size() and context_dim 0, and an SDE path; `shape`
  // the images' shape (shape.size() = basis.dim()). Throws core::Error otherwise.
  ImagePrior(PcaBasis basis, ScoreModel score, core::DataShape shape);

  const PcaBasis& basis() const { return basis_; }
  const ScoreModel& score() const { return score_; }
  ScoreModel& score() { return score_; }
  const core::DataShape& shape() const { return shape_; }
  int dim() const { return basis_.dim(); }

  // n draws of the prior (D x n) by the score model's own sampler.
  Matrix sample(Eigen::Index n, core::Rng* rng) const;
  // n draws of p(x | y) (D x n) for an observation of the pixels (A: m x D).
  Matrix posterior_sample(const LinearObservation& pixels, const PosteriorSamplingOptions& options,
                          Eigen::Index n, core::Rng* rng) const;

 private:
  PcaBasis basis_;
  ScoreModel score_;
  core::DataShape shape_;
};

}  // namespace sbi::diffusion
