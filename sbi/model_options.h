// What a new posterior model is made of: the density estimator's options (sbi/density_factory.h)
// and the embedding network that turns x into its context. Typed and validated here; the
// command line parses its flags into these (apps/train_flags.h), nothing below it parses.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/data_shape.h"
#include "sbi/density_factory.h"
#include "nn/cnn_embedding.h"
#include "nn/deepsets.h"

namespace sbi {

enum class EmbeddingKind { kNone, kMlp, kDeepSets, kCnn };

// "none", "mlp", "deepsets", "cnn" <-> enum; parse throws core::Error naming the accepted names.
EmbeddingKind parse_embedding_kind(const std::string& name);
std::string embedding_kind_name(EmbeddingKind kind);
std::vector<std::string> embedding_kind_names();  // in the order of the enum

struct ModelOptions {
  // The estimator and all its settings. theta_dim, context_dim and seed are filled in by
  // PosteriorModel::create (from the data, the embedding and `seed` below).
  sbi::DensityOptions density;
  // deepsets needs set data, cnn image data (core::DataShape).
  EmbeddingKind embedding = EmbeddingKind::kNone;
  int embedding_dim = 20;     // output of the embedding: the context c
  int embedding_hidden = 64;  // width of its hidden layers (deepsets: also of φ's output;
                              // cnn: of the head after the convolutions)
  int embedding_layers = 2;   // its hidden layers (deepsets: of φ and of ρ each; cnn: head)
  nn::Pooling pooling = nn::Pooling::kMean;  // deepsets
  bool set_norm = true;  // deepsets: standardise each set by its own statistics
                         // (nn::DeepSetsOptions::set_norm)
  // cnn (nn/cnn_embedding.h): output channels of each conv block (each block halves H and W),
  // the odd kernel size, the 2 x 2 pooling and the readout of the last feature maps.
  std::vector<int> cnn_channels = {16, 32, 64};
  int cnn_kernel = 3;
  nn::ImagePooling cnn_pooling = nn::ImagePooling::kAverage;
  nn::CnnReadout cnn_readout = nn::CnnReadout::kFlatten;
  std::uint64_t seed = 0;  // every initial weight and permutation

  // The embedding's activation: the estimator's when set, relu otherwise.
  nn::Activation embedding_activation() const {
    return density.activation.value_or(nn::Activation::kReLU);
  }
  bool is_valid(std::string* error) const;
};

// The CNN embedding's options for images of `x_shape` (create() and the size estimate).
nn::CnnOptions cnn_options(const ModelOptions& options, const core::DataShape& x_shape);

}  // namespace sbi
