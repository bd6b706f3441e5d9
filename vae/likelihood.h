// The decoder's likelihood p(x | z), given the decoder output y (one sample per column):
//
//   Gaussian, σ fixed or learned (one σ for all dimensions, as probabilistic PCA's noise):
//     log p(x | z) = Σ_d [ -½ ((x_d - y_d) / σ)² - log σ - ½ log 2π ]
//     ∂/∂y_d = (x_d - y_d) / σ²,    ∂/∂log σ = Σ_d [ ((x_d - y_d) / σ)² - 1 ]
//   Bernoulli (x in [0, 1], y the logits):
//     log p(x | z) = Σ_d [ x_d y_d - log(1 + e^{y_d}) ],    ∂/∂y_d = x_d - sigmoid(y_d)
//
// The distortion the VAE minimises is -log p(x | z), in nats per sample.
#pragma once

#include <string>
#include <vector>

#include "nn/matrix.h"
#include "nn/parameter.h"

namespace sbi::vae {

enum class LikelihoodKind { kGaussian = 0, kBernoulli = 1 };
LikelihoodKind parse_likelihood(const std::string& name);  // "gaussian", "bernoulli"
std::string likelihood_name(LikelihoodKind kind);
std::vector<std::string> likelihood_names();

class Likelihood {
 public:
  Likelihood() = default;
  // Gaussian: sigma > 0 is σ (learned: its start); Bernoulli ignores sigma and learn_sigma.
  Likelihood(LikelihoodKind kind, double sigma, bool learn_sigma);

  LikelihoodKind kind() const { return kind_; }
  bool learns_sigma() const { return learn_sigma_; }
  double sigma() const;  // Gaussian's current σ

  // log p(x | y) per column.
  nn::RowVector log_prob(const nn::Matrix& x, const nn::Matrix& y) const;
  // Adds weight · ∂ log p / ∂ log σ summed over columns into the σ gradient (learned σ), and
  // writes grad_y = weight · ∂ log p / ∂y. (The caller's loss is -log p: pass weight < 0.)
  void backward(const nn::Matrix& x, const nn::Matrix& y, double weight, nn::Matrix* grad_y);

  // "log_sigma" (1 x 1) when σ is learned; empty otherwise.
  nn::Parameters parameters();

  // Throws core::Error if x does not fit (Bernoulli: values outside [0, 1]).
  void check_data(const nn::Matrix& x, const std::string& what) const;

 private:
  LikelihoodKind kind_ = LikelihoodKind::kGaussian;
  bool learn_sigma_ = false;
  nn::Matrix log_sigma_ = nn::Matrix::Zero(1, 1), grad_log_sigma_ = nn::Matrix::Zero(1, 1);
};

}  // namespace sbi::vae
