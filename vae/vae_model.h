// A variational autoencoder (Kingma & Welling 2014) for vectors and images: an encoder
// network gives q(z | x) = N(μ(x), diag σ(x)²) (vae/latent.h), a decoder network the
// parameters of p(x | z) (vae/decoder.h, vae/likelihood.h), and the prior is N(0, I).
//
//   encoder: "mlp" (nn::MlpEmbedding) or "cnn" (nn::CnnEmbedding, for images), 2K outputs
//   decoder: "mlp" (nn::Mlp; 0 hidden layers = linear) or "conv" (vae/conv_decoder.h)
//
// The networks see standardised data u = (x - m) / s (per dimension for vectors, per
// channel for images; sbi/standardizer.h) under a Gaussian likelihood, and x itself under a
// Bernoulli one (values in [0, 1]). Densities are reported for x: log p(x) = log p(u) +
// Σ log |du/dx| (= log p(u) - Σ_d log s_d), so ELBOs and log-likelihoods are in nats of the
// data as stored.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/data_shape.h"
#include "nn/embedding.h"
#include "sbi/standardizer.h"
#include "vae/decoder.h"
#include "vae/likelihood.h"

namespace sbi::vae {

struct VaeOptions {
  int latent = 8;                       // K
  std::string encoder = "mlp";          // mlp or cnn
  std::string decoder = "mlp";          // mlp or conv
  int hidden = 128;                     // MLP widths (encoder, decoder, and the CNN heads)
  int layers = 2;                       // MLP hidden layers (0: linear)
  std::vector<int> channels = {16, 32, 64};  // cnn encoder blocks; the conv decoder's reversed
  int kernel = 3;
  nn::Activation activation = nn::Activation::kReLU;
  LikelihoodKind likelihood = LikelihoodKind::kGaussian;
  double sigma = 0.5;       // Gaussian σ in standardised units (learned: its start)
  bool learn_sigma = true;
  std::uint64_t seed = 0;   // weights
  bool is_valid(std::string* error) const;
};

class Vae {
 public:
  // Throws core::Error on invalid options or an encoder / decoder that does not fit x_shape
  // (cnn and conv need images).
  static Vae create(const VaeOptions& options, const core::DataShape& x_shape);
  // Rebuilds a VAE from stored parts (vae/vae_file.h).
  Vae(int latent, core::DataShape x_shape, std::unique_ptr<nn::Embedding> encoder,
      std::unique_ptr<Decoder> decoder, Likelihood likelihood);

  int latent_dim() const { return latent_; }
  int x_dim() const { return x_shape_.flat_dim(); }
  const core::DataShape& x_shape() const { return x_shape_; }
  nn::Embedding& encoder() { return *encoder_; }
  const nn::Embedding& encoder() const { return *encoder_; }
  Decoder& decoder() { return *decoder_; }
  const Decoder& decoder() const { return *decoder_; }
  Likelihood& likelihood() { return likelihood_; }
  const Likelihood& likelihood() const { return likelihood_; }

  // "encoder/...", "decoder/...", "likelihood/log_sigma" (learned σ).
  nn::Parameters parameters();

  // The data standardisation (identity for a Bernoulli likelihood), set by train.
  Standardizer x_norm;
  // u = the networks' input for x (x_dim x B): standardised, checked (shape, finite values,
  // Bernoulli range). `what` names the data in errors.
  nn::Matrix to_network(const nn::Matrix& x, const std::string& what) const;
  // x for the networks' u (the decoder's mean; Bernoulli: the probabilities).
  nn::Matrix from_network(const nn::Matrix& y) const;
  // Σ log |du/dx|, added to densities of u to give densities of x.
  double log_abs_det() const;

  // q(z | x): mean and standard deviation (K x B) for data x (raw units).
  void encode(const nn::Matrix& x, nn::Matrix* mean, nn::Matrix* std) const;
  // The decoder's mean image (or Bernoulli probabilities) for latents z (K x B), raw units.
  nn::Matrix decode(const nn::Matrix& z) const;

 private:
  int latent_;
  core::DataShape x_shape_;
  std::unique_ptr<nn::Embedding> encoder_;
  std::unique_ptr<Decoder> decoder_;
  Likelihood likelihood_;
};

}  // namespace sbi::vae
