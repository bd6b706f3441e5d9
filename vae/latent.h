// The latent part of a variational autoencoder (Kingma & Welling 2014): the encoder's 2K
// outputs per sample are the mean μ and log standard deviation log σ of a diagonal Gaussian
// q(z | x) = N(μ, diag σ²); z = μ + σ ⊙ ε with ε ~ N(0, I) (the reparameterisation trick);
// the prior is p(z) = N(0, I).
//
//   KL(q ‖ p) = ½ Σ_k (μ_k² + σ_k² - 1 - 2 log σ_k)              (the rate, in nats)
//   ∂KL/∂μ = μ,   ∂KL/∂log σ = σ² - 1;   ∂z/∂μ = 1,   ∂z/∂log σ = σ ε.
//
// log σ is clamped to [kMinLogStd, kMaxLogStd] (gradient 0 outside), so that an encoder
// output far out in training cannot make σ overflow or vanish.
#pragma once

#include "core/rng.h"
#include "nn/matrix.h"

namespace sbi::vae {

constexpr double kMinLogStd = -12.0;
constexpr double kMaxLogStd = 6.0;

struct LatentSample {
  nn::Matrix mean, log_std;  // K x B (log_std clamped)
  nn::Matrix eps;            // K x B standard normal draws
  nn::Matrix z;              // mean + exp(log_std) ⊙ eps
};

// Splits encoder outputs (2K x B: rows 0..K-1 are μ, K..2K-1 log σ) and draws z with the
// normals of *rng (column by column). With rng == nullptr, ε = 0 and z = μ.
void sample_latent(const nn::Matrix& encoder_output, core::Rng* rng, LatentSample* out);

// KL(q ‖ N(0, I)) per column.
nn::RowVector kl_to_standard_normal(const nn::Matrix& mean, const nn::Matrix& log_std);

// d loss / d encoder_output (2K x B) from d loss / dz (through the reparameterisation) and
// the weight of the KL term per column (kl_weight: d loss / d KL_b, e.g. β / B).
void latent_backward(const LatentSample& s, const nn::Matrix& encoder_output,
                     const nn::Matrix& grad_z, double kl_weight, nn::Matrix* grad_encoder_output);

// log N(z; μ, σ²) and log N(z; 0, I) per column (for importance weighting).
nn::RowVector log_q(const LatentSample& s);
nn::RowVector log_standard_normal(const nn::Matrix& z);

}  // namespace sbi::vae
