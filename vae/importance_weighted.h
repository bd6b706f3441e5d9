// The importance-weighted estimate of log p(x) (Burda et al. 2016), to evaluate a VAE:
//
//   log p(x) ≈ log (1/K) Σ_k p(x | z_k) p(z_k) / q(z_k | x),   z_k ~ q(z | x),
//
// a lower bound in expectation that rises with K to log p(x) (K = 1: the ELBO). Computed
// with log-sum-exp, per sample, in nats of the data as stored.
#pragma once

#include "core/rng.h"
#include "nn/matrix.h"
#include "vae/vae_model.h"

namespace sbi::vae {

// One estimate per column of x (raw units), with K >= 1 draws each from *rng.
nn::RowVector importance_weighted_log_likelihood(const Vae& vae, const nn::Matrix& x, int k,
                                                 core::Rng* rng);

}  // namespace sbi::vae
