#include "vae/vae_model.h"

#include <cmath>

#include "core/error.h"
#include "nn/cnn_embedding.h"
#include "vae/conv_decoder.h"
#include "vae/latent.h"

namespace sbi::vae {

bool VaeOptions::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = what;
    return false;
  };
  if (latent < 1 || latent > 4096) return fail("--latent " + std::to_string(latent) + " must be in [1, 4096]");
  if (encoder != "mlp" && encoder != "cnn") return fail("unknown encoder '" + encoder + "' (expected mlp or cnn)");
  if (decoder != "mlp" && decoder != "conv") return fail("unknown decoder '" + decoder + "' (expected mlp or conv)");
  if (hidden < 1 || layers < 0) return fail("--hidden must be >= 1 and --layers >= 0");
  if (channels.empty()) return fail("--channels needs at least one block");
  for (int c : channels)
    if (c < 1) return fail("--channels entries must be >= 1");
  if (!(std::isfinite(sigma) && sigma > 0)) return fail("--sigma must be finite and > 0");
  return true;
}

Vae::Vae(int latent, core::DataShape x_shape, std::unique_ptr<nn::Embedding> encoder,
         std::unique_ptr<Decoder> decoder, Likelihood likelihood)
    : latent_(latent),
      x_shape_(std::move(x_shape)),
      encoder_(std::move(encoder)),
      decoder_(std::move(decoder)),
      likelihood_(std::move(likelihood)) {
  core::check(encoder_->in_dim() == x_dim() && encoder_->out_dim() == 2 * latent_,
              "Vae: the encoder maps " + std::to_string(encoder_->in_dim()) + " -> " +
                  std::to_string(encoder_->out_dim()) + ", expected " + std::to_string(x_dim()) +
                  " -> " + std::to_string(2 * latent_));
  core::check(decoder_->latent_dim() == latent_ && decoder_->out_dim() == x_dim(),
              "Vae: the decoder maps " + std::to_string(decoder_->latent_dim()) + " -> " +
                  std::to_string(decoder_->out_dim()) + ", expected " + std::to_string(latent_) +
                  " -> " + std::to_string(x_dim()));
  x_norm = Standardizer::identity(x_dim());
}

Vae Vae::create(const VaeOptions& o, const core::DataShape& x_shape) {
  core::check_valid(o, "vae");
  core::check(x_shape.is_image() || !x_shape.is_set(),
              "a VAE takes vectors or images, not " + x_shape.describe());
  const bool image = x_shape.is_image();
  core::check(image || (o.encoder == "mlp" && o.decoder == "mlp"),
              "the cnn encoder and the conv decoder need image data: x must be stored as (N, H, W) "
              "or (N, C, H, W), and is " + x_shape.describe());
  core::Rng rng(o.seed, 11);
  std::unique_ptr<nn::Embedding> encoder;
  if (o.encoder == "cnn") {
    nn::CnnOptions c;
    c.height = x_shape.height;
    c.width = x_shape.width;
    c.channels = x_shape.channels;
    c.block_channels = o.channels;
    c.kernel = o.kernel;
    c.activation = o.activation;
    c.hidden = o.hidden;
    c.head_layers = 1;
    c.out_dim = 2 * o.latent;
    encoder = std::make_unique<nn::CnnEmbedding>(c, &rng);
  } else {
    nn::MlpOptions m;
    m.in = x_shape.flat_dim();
    m.out = 2 * o.latent;
    m.hidden = o.hidden;
    m.num_layers = o.layers;
    m.activation = o.activation;
    encoder = std::make_unique<nn::MlpEmbedding>(m, &rng);
  }
  std::unique_ptr<Decoder> decoder;
  if (o.decoder == "conv") {
    ConvDecoderOptions c;
    c.latent_dim = o.latent;
    c.height = x_shape.height;
    c.width = x_shape.width;
    c.channels = x_shape.channels;
    c.block_channels.assign(o.channels.rbegin(), o.channels.rend());
    c.kernel = o.kernel;
    c.activation = o.activation;
    c.hidden = o.hidden;
    c.head_layers = 1;
    decoder = std::make_unique<ConvDecoder>(c, &rng);
  } else {
    nn::MlpOptions m;
    m.in = o.latent;
    m.out = x_shape.flat_dim();
    m.hidden = o.hidden;
    m.num_layers = o.layers;
    m.activation = o.activation;
    decoder = std::make_unique<MlpDecoder>(m, &rng);
  }
  return Vae(o.latent, x_shape, std::move(encoder), std::move(decoder),
             Likelihood(o.likelihood, o.sigma, o.learn_sigma));
}

nn::Parameters Vae::parameters() {
  nn::Parameters out;
  nn::append_parameters("encoder", encoder_->parameters(), &out);
  nn::append_parameters("decoder", decoder_->parameters(), &out);
  nn::append_parameters("likelihood", likelihood_.parameters(), &out);
  return out;
}

nn::Matrix Vae::to_network(const nn::Matrix& x, const std::string& what) const {
  core::check(x.rows() == x_dim(), what + " has " + std::to_string(x.rows()) +
                                       " numbers per sample, but the VAE was trained on " +
                                       x_shape_.describe() + " (" + std::to_string(x_dim()) + ")");
  likelihood_.check_data(x, what);
  return likelihood_.kind() == LikelihoodKind::kBernoulli ? x : x_norm.apply(x);
}

nn::Matrix Vae::from_network(const nn::Matrix& y) const {
  if (likelihood_.kind() == LikelihoodKind::kBernoulli)
    return (1.0 / (1.0 + (-y.array()).exp())).matrix();
  return x_norm.invert(y);
}

double Vae::log_abs_det() const {
  return likelihood_.kind() == LikelihoodKind::kBernoulli ? 0.0 : x_norm.log_abs_det();
}

void Vae::encode(const nn::Matrix& x, nn::Matrix* mean, nn::Matrix* std) const {
  LatentSample s;
  sample_latent(encoder_->embed(to_network(x, "x")), nullptr, &s);
  *mean = s.mean;
  *std = s.log_std.array().exp();
}

nn::Matrix Vae::decode(const nn::Matrix& z) const {
  core::check(z.rows() == latent_, "z has " + std::to_string(z.rows()) +
                                       " numbers per sample, but the VAE's latent dimension is " +
                                       std::to_string(latent_));
  core::check(z.allFinite(), "z holds NaN or Inf");
  return from_network(decoder_->decode(z));
}

}  // namespace sbi::vae
