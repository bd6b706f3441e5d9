#include "vae/importance_weighted.h"

#include <cmath>

#include "core/error.h"
#include "vae/latent.h"

namespace sbi::vae {

nn::RowVector importance_weighted_log_likelihood(const Vae& vae, const nn::Matrix& x, int k,
                                                 core::Rng* rng) {
  core::check(k >= 1, "the importance-weighted estimate needs K >= 1 draws, got " + std::to_string(k));
  const nn::Matrix u = vae.to_network(x, "x");
  const nn::Matrix h = vae.encoder().embed(u);
  nn::Matrix log_w(k, u.cols());
  LatentSample s;
  for (int j = 0; j < k; ++j) {
    sample_latent(h, rng, &s);
    const nn::Matrix y = vae.decoder().decode(s.z);
    log_w.row(j) = vae.likelihood().log_prob(u, y) + log_standard_normal(s.z) - log_q(s);
  }
  const nn::RowVector top = log_w.colwise().maxCoeff();
  const nn::RowVector sum = (log_w.rowwise() - top).array().exp().colwise().sum();
  return (top.array() + sum.array().log() - std::log(static_cast<double>(k)) + vae.log_abs_det()).matrix();
}

}  // namespace sbi::vae
