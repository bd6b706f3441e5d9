// A small posterior model for finite-difference gradient tests and small training tests (shared by
// tests/sbi/*_test.cc): realnvp with 2 couplings of width `hidden`, tanh (smooth), float64
// training passes, behind a 3-dimensional MLP embedding of 2-dimensional x; θ has 2 entries.
#pragma once

#include <cstdint>

#include "sbi/density_factory.h"
#include "sbi/posterior_model.h"

namespace sbi::testing {

inline PosteriorModel small_gradient_test_model(int hidden, std::uint64_t seed) {
  ModelOptions mo;
  mo.density = default_density_options(DensityKind::kRealNVP);
  mo.density.hidden = hidden;
  mo.density.transforms = 2;
  mo.density.layers = 1;
  mo.density.activation = nn::Activation::kTanh;  // smooth, for finite differences
  mo.density.training_precision = nn::Precision::kFloat64;  // finite differences need double
  mo.embedding = EmbeddingKind::kMlp;
  mo.embedding_dim = 3;
  mo.embedding_hidden = 8;
  mo.embedding_layers = 1;
  mo.seed = seed;
  return PosteriorModel::create(mo, 2, 2);
}

}  // namespace sbi::testing
