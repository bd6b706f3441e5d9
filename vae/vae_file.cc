#include "vae/vae_file.h"

#include "core/error.h"
#include "io/data_shape_attributes.h"
#include "sbi/network_file_parts.h"

namespace sbi::vae {

namespace {
constexpr const char* kFormat = "sbi-toolkit vae";
}

void write_vae(io::H5File& f, Vae& vae, const VaeTrainResult& training, const BetaOptions& beta,
               const io::Provenance& provenance) {
  io::stamp_provenance(f, provenance);
  f.set_attr("/", "format", std::string(kFormat));
  f.set_attr("/", "format_version", kVaeFormatVersion);
  f.set_attr("/", "latent_dim", static_cast<std::int64_t>(vae.latent_dim()));
  f.set_attr("/", "encoder", vae.encoder().kind());
  f.set_attr("/", "decoder", vae.decoder().kind());
  f.set_attr("/", "likelihood", likelihood_name(vae.likelihood().kind()));
  f.set_attr("/", "learn_sigma", static_cast<std::int64_t>(vae.likelihood().learns_sigma()));
  f.set_attr("/", "sigma", vae.likelihood().sigma());
  f.set_attr("/", "beta_schedule", beta.describe());
  io::write_shape_attributes(f, vae.x_shape());
  write_hyperparameters(f, "/encoder/hyperparameters", vae.encoder().hyperparameters());
  write_hyperparameters(f, "/decoder/hyperparameters", vae.decoder().hyperparameters());
  write_weights(f, vae.parameters());
  f.write_vector("/normalization/x_mean", vae.x_norm.mean);
  f.write_vector("/normalization/x_std", vae.x_norm.std);
  write_training_history(f, training.summary);
  f.write_vector("/history/beta", Eigen::Map<const Eigen::VectorXd>(
                                      training.betas.data(), static_cast<Eigen::Index>(training.betas.size())));
}

Vae load_vae(const std::string& path) {
  io::H5File f = io::H5File::open_read(path);
  if (!f.has_attr("/", "format") || f.get_string_attr("/", "format") != kFormat)
    throw core::Error(path + " is not an sbi VAE file (no format = \"" + kFormat +
                      "\" attribute); train one with `sbi vae train`");
  const std::int64_t version = f.get_int_attr("/", "format_version");
  if (version > kVaeFormatVersion)
    throw core::Error(path + " has VAE format version " + std::to_string(version) +
                      ", newer than this program reads (" + std::to_string(kVaeFormatVersion) +
                      "); upgrade sbi-toolkit");
  const int latent = static_cast<int>(f.get_int_attr("/", "latent_dim"));
  const std::string encoder = f.get_string_attr("/", "encoder");
  const std::string decoder = f.get_string_attr("/", "decoder");
  const LikelihoodKind likelihood = parse_likelihood(f.get_string_attr("/", "likelihood"));
  core::Rng rng(0, 11);  // the weights are read below
  auto encoder_net = nn::make_embedding(
      encoder, read_hyperparameters(f, "/encoder/hyperparameters", path + ": " + encoder + " encoder"), 0);
  auto decoder_net = make_decoder(
      decoder, read_hyperparameters(f, "/decoder/hyperparameters", path + ": " + decoder + " decoder"), &rng);
  core::DataShape shape = io::read_shape_attributes(f);
  if (shape.kind == core::DataShape::Kind::kVector) shape = core::DataShape::vector(encoder_net->in_dim());
  const double sigma = f.get_double_attr("/", "sigma");
  core::check(std::isfinite(sigma) && sigma > 0, path + ": sigma must be finite and > 0 (corrupt VAE file)");
  Vae vae(latent, shape, std::move(encoder_net), std::move(decoder_net),
          Likelihood(likelihood, sigma, f.get_int_attr("/", "learn_sigma") != 0));
  read_weights(f, path, vae.parameters());
  vae.x_norm = checked_normalization(f, path, "x");
  core::check(vae.x_norm.dim() == vae.x_dim(),
              path + ": normalisation does not match the network (corrupt VAE file)");
  return vae;
}

}  // namespace sbi::vae
