#include "vae/elbo_objective.h"

#include <cstring>

#include "core/error.h"

namespace sbi::vae {

ElboTerms elbo_terms(const Vae& vae, const nn::Matrix& u, core::Rng* rng) {
  LatentSample s;
  sample_latent(vae.encoder().embed(u), rng, &s);
  const nn::Matrix y = vae.decoder().decode(s.z);
  const double n = static_cast<double>(u.cols());
  ElboTerms t;
  t.distortion = -(vae.likelihood().log_prob(u, y).sum() / n + vae.log_abs_det());
  t.rate = kl_to_standard_normal(s.mean, s.log_std).sum() / n;
  return t;
}

ElboObjective::ElboObjective(Vae* vae, BetaControl* beta, nn::Matrix u_train,
                             nn::Matrix u_validation, std::uint64_t seed)
    : vae_(vae),
      beta_(beta),
      u_train_(std::move(u_train)),
      u_validation_(std::move(u_validation)),
      seed_(seed),
      rng_(seed, 0xE1B0) {}

void ElboObjective::begin_epoch(int epoch) {
  beta_->begin_epoch(epoch);
  rng_ = core::Rng(seed_, 0xE1B0 + static_cast<std::uint64_t>(epoch));
  betas_.resize(static_cast<size_t>(epoch));
  betas_[epoch - 1] = beta_->beta();
}

double ElboObjective::loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) {
  gather_columns(u_train_, batch, &u_batch_);
  const double n = static_cast<double>(batch.size());
  const double beta = beta_->beta();
  nn::Embedding& encoder = vae_->encoder();
  const nn::Matrix& h = encoder.forward(u_batch_);
  sample_latent(h, &rng_, &latent_);
  const nn::Matrix& y = vae_->decoder().forward(latent_.z);
  const double log_p = vae_->likelihood().log_prob(u_batch_, y).sum() / n;
  const double rate = kl_to_standard_normal(latent_.mean, latent_.log_std).sum() / n;
  const double distortion = -(log_p + vae_->log_abs_det());
  // d loss / d y = -(1/n) d log p / d y; then back through the decoder, z and the encoder.
  vae_->likelihood().backward(u_batch_, y, -1.0 / n, &grad_y_);
  vae_->decoder().backward(grad_y_, &grad_z_);
  latent_backward(latent_, h, grad_z_, beta / n, &grad_h_);
  encoder.backward(grad_h_);
  terms->assign({distortion, rate});
  beta_->after_batch(rate);
  if (!betas_.empty()) betas_.back() = beta_->beta();
  return distortion + beta * rate;
}

namespace {
std::uint64_t bits(double v) {
  std::uint64_t w;
  std::memcpy(&w, &v, sizeof w);
  return w;
}
double value(std::uint64_t w) {
  double v;
  std::memcpy(&v, &w, sizeof v);
  return v;
}
}  // namespace

std::vector<std::uint64_t> ElboObjective::carried_state() const {
  std::vector<std::uint64_t> state{bits(beta_->beta()), bits(beta_->integral())};
  for (double b : betas_) state.push_back(bits(b));
  return state;
}

void ElboObjective::set_carried_state(const std::vector<std::uint64_t>& state) {
  core::check(state.size() >= 2, "ElboObjective: a checkpoint's state needs the beta controller's");
  beta_->set_state(value(state[0]), value(state[1]));
  betas_.clear();
  for (size_t i = 2; i < state.size(); ++i) betas_.push_back(value(state[i]));
}

double ElboObjective::validation_loss(std::vector<double>* terms) {
  core::Rng rng(seed_, 0xE1B1);  // the same draws every epoch
  const ElboTerms t = elbo_terms(*vae_, u_validation_, &rng);
  terms->assign({t.distortion, t.rate});
  return t.distortion + beta_->reference_beta() * t.rate;
}

}  // namespace sbi::vae
