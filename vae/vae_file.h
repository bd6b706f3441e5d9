// vae.h5: a trained VAE.
//
//   /                          attrs: format = "sbi-toolkit vae", format_version 1, latent_dim,
//                              encoder, decoder (kinds), likelihood, learn_sigma, sigma (the
//                              Gaussian σ in standardised units), beta_schedule (described),
//                              the data's shape attributes (io/data_shape_attributes.h),
//                              provenance
//   /encoder/hyperparameters   the encoder network's (nn::make_embedding)
//   /decoder/hyperparameters   the decoder network's (vae::make_decoder)
//   /weights/<parameter name>  "encoder/...", "decoder/...", "likelihood/log_sigma"
//   /normalization/{x_mean, x_std}
//   /history                   as model.h5 (sbi/network_file_parts.h), with the terms
//                              distortion and rate, plus /history/beta per epoch
#pragma once

#include <string>
#include <vector>

#include "io/h5_file.h"
#include "io/provenance.h"
#include "vae/beta_control.h"
#include "vae/vae_model.h"
#include "vae/vae_trainer.h"

namespace sbi::vae {

constexpr std::int64_t kVaeFormatVersion = 1;

void write_vae(io::H5File& f, Vae& vae, const VaeTrainResult& training, const BetaOptions& beta,
               const io::Provenance& provenance);

// Throws core::Error if the file is missing, not a VAE file, from a newer format, or damaged
// (missing or non-finite weights, normalisation that does not match).
Vae load_vae(const std::string& path);

}  // namespace sbi::vae
