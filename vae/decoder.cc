#include "vae/decoder.h"

#include "core/error.h"
#include "vae/conv_decoder.h"

namespace sbi::vae {

core::Hyperparameters MlpDecoder::hyperparameters() const {
  const nn::MlpOptions& o = mlp_.options();
  core::Hyperparameters h("mlp decoder");
  h.set("latent_dim", o.in);
  h.set("out_dim", o.out);
  h.set("hidden", o.hidden);
  h.set("num_layers", o.num_layers);
  h.set("activation", nn::activation_name(o.activation));
  return h;
}

nn::Matrix MlpDecoder::decode(const nn::Matrix& z) const {
  core::check(z.rows() == latent_dim(), "decoder: z has " + std::to_string(z.rows()) +
                                            " rows, the latent dimension is " +
                                            std::to_string(latent_dim()));
  nn::MlpCache cache;
  return mlp_.forward(z, &cache);
}

std::unique_ptr<Decoder> make_decoder(const std::string& kind, const core::Hyperparameters& h,
                                      core::Rng* rng) {
  if (kind == "mlp") {
    nn::MlpOptions o;
    o.in = h.get_int("latent_dim");
    o.out = h.get_int("out_dim");
    o.hidden = h.get_int("hidden");
    o.num_layers = h.get_int("num_layers");
    o.activation = h.get_enum("activation", nn::parse_activation, nn::activation_names());
    core::check_valid(o, "mlp decoder");
    return std::make_unique<MlpDecoder>(o, rng);
  }
  if (kind == "conv") return std::make_unique<ConvDecoder>(conv_decoder_options_from(h), rng);
  throw core::Error("unknown decoder '" + kind + "' (expected mlp or conv)");
}

}  // namespace sbi::vae
