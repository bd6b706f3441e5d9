// A VAE's training objective for the one training loop (sbi/objective.h, sbi::fit): two
// named terms per sample,
//
//   distortion = -E_q[log p(x | z)]    (one draw of z per sample: the reparameterisation trick)
//   rate       = KL(q(z | x) ‖ N(0, I))  (closed form, vae/latent.h)
//
// and the loss distortion + β · rate, with β from a BetaControl (vae/beta_control.h) set at
// begin_epoch and, for the rate controller, after every batch. With β = 1 the loss is the
// negative ELBO. Distortions are in nats of the data as stored (Vae::log_abs_det added).
//
// The validation loss (what early stopping watches) uses the same fixed draws of ε every
// epoch and weighs the rate with BetaControl::reference_beta().
#pragma once

#include <vector>

#include "core/rng.h"
#include "sbi/objective.h"
#include "vae/beta_control.h"
#include "vae/latent.h"
#include "vae/vae_model.h"

namespace sbi::vae {

// The two terms, batch means, for data u (the networks' input; Vae::to_network) with the
// draws of rng (nullptr: z = μ).
struct ElboTerms {
  double distortion = 0, rate = 0;
  double elbo() const { return -(distortion + rate); }
};
ElboTerms elbo_terms(const Vae& vae, const nn::Matrix& u, core::Rng* rng);

class ElboObjective : public Objective {
 public:
  // Borrows the VAE and the control; u_train and u_validation are network inputs.
  ElboObjective(Vae* vae, BetaControl* beta, nn::Matrix u_train, nn::Matrix u_validation,
                std::uint64_t seed);

  std::vector<std::string> term_names() const override { return {"distortion", "rate"}; }
  long num_train() const override { return u_train_.cols(); }
  nn::Parameters parameters() override { return vae_->parameters(); }
  void begin_epoch(int epoch) override;
  double loss_and_gradient(const std::vector<long>& batch, std::vector<double>* terms) override;
  double validation_loss(std::vector<double>* terms) override;
  // The β controller's state and the β of every epoch so far (their bit patterns); the
  // random draws are reseeded every epoch.
  std::vector<std::uint64_t> carried_state() const override;
  void set_carried_state(const std::vector<std::uint64_t>& state) override;

  // β of every epoch begun (the controller's: as it was at the end of the epoch).
  const std::vector<double>& betas() const { return betas_; }

 private:
  Vae* vae_;
  BetaControl* beta_;
  nn::Matrix u_train_, u_validation_;
  std::uint64_t seed_;
  core::Rng rng_;
  std::vector<double> betas_;
  nn::Matrix u_batch_, grad_y_, grad_z_, grad_h_;
  LatentSample latent_;
};

}  // namespace sbi::vae
