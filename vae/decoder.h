// Decoders map a latent z (K x B) to the parameters y of p(x | z) (D x B: the Gaussian mean
// or the Bernoulli logits, in the VAE's standardised units). Built from nn/ layers.
//
//   mlp: y = MLP(z) (nn::Mlp, `layers` hidden layers of width `hidden`; 0 layers: linear,
//        the decoder of probabilistic PCA).
#pragma once

#include <memory>
#include <string>

#include "core/hyperparameters.h"
#include "nn/mlp.h"

namespace sbi::vae {

class Decoder {
 public:
  virtual ~Decoder() = default;
  virtual std::string kind() const = 0;
  virtual int latent_dim() const = 0;
  virtual int out_dim() const = 0;
  virtual core::Hyperparameters hyperparameters() const = 0;
  // Inference: y = decode(z). Thread-safe.
  virtual nn::Matrix decode(const nn::Matrix& z) const = 0;
  // Training: forward caches inside the object; backward adds parameter gradients given
  // dL/dy of the last forward and writes dL/dz.
  virtual const nn::Matrix& forward(const nn::Matrix& z) = 0;
  virtual void backward(const nn::Matrix& grad_y, nn::Matrix* grad_z) = 0;
  virtual nn::Parameters parameters() = 0;
};

class MlpDecoder : public Decoder {
 public:
  // options.in is the latent dimension, options.out the data dimension.
  MlpDecoder(const nn::MlpOptions& options, core::Rng* rng) : mlp_(options, rng) {}
  std::string kind() const override { return "mlp"; }
  int latent_dim() const override { return mlp_.options().in; }
  int out_dim() const override { return mlp_.options().out; }
  core::Hyperparameters hyperparameters() const override;
  nn::Matrix decode(const nn::Matrix& z) const override;
  const nn::Matrix& forward(const nn::Matrix& z) override { return mlp_.forward(z, &cache_); }
  void backward(const nn::Matrix& grad_y, nn::Matrix* grad_z) override {
    mlp_.backward(&cache_, grad_y, grad_z);
  }
  nn::Parameters parameters() override { return mlp_.parameters(); }

 private:
  nn::Mlp mlp_;
  nn::MlpCache cache_;
};

// Builds a decoder from its kind and hyperparameters (as hyperparameters() writes them);
// weights drawn from `rng`. Throws core::Error for an unknown kind or bad values.
std::unique_ptr<Decoder> make_decoder(const std::string& kind, const core::Hyperparameters& h,
                                      core::Rng* rng);

}  // namespace sbi::vae
