// The size of a network before it is built: how many weights PosteriorModel::create would
// allocate, from the options alone, so that a model that cannot fit is refused with its size
// rather than ending in std::bad_alloc or the OOM killer part way through
// (core/memory_budget.h).
#pragma once

#include <string>

#include "sbi/posterior_model.h"

namespace sbi {

struct ModelSize {
  double weights = 0;       // trainable numbers (density + embedding)
  std::string description;  // "the realnvp network (5 transforms of width 64, ...)"
};

// Counts (as doubles: the products of user-given sizes must not overflow) for
// PosteriorModel::create(options, theta_dim, x_dim, x_shape); `weights` is exact for every
// estimator and embedding. Expects valid options.
ModelSize estimate_model_size(const ModelOptions& options, int theta_dim, int x_dim,
                              const core::DataShape& x_shape = {});

// Bytes a training run holds for the weights: values, gradients and Adam's two moments.
inline double training_weight_bytes(const ModelSize& size) { return 4.0 * 8.0 * size.weights; }

}  // namespace sbi
