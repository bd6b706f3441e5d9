#include "nn/embedding.h"

#include "core/error.h"
#include "nn/cnn_embedding.h"
#include "nn/deepsets.h"

namespace sbi::nn {

EmbeddingHyperparameters MlpEmbedding::hyperparameters() const {
  const MlpOptions& o = mlp_.options();
  EmbeddingHyperparameters h("mlp embedding");
  h.set("in_dim", o.in);
  h.set("out_dim", o.out);
  h.set("hidden", o.hidden);
  h.set("num_layers", o.num_layers);
  h.set("residual", o.residual);
  h.set("activation", activation_name(o.activation));
  return h;
}

Matrix MlpEmbedding::embed(const Matrix& x) const {
  MlpCache cache;
  return mlp_.forward(x, &cache);
}

std::unique_ptr<Embedding> make_embedding(const std::string& kind,
                                          const EmbeddingHyperparameters& h, std::uint64_t seed) {
  if (kind == "none") return std::make_unique<IdentityEmbedding>(h.get_int("in_dim"));
  if (kind == "mlp") {
    MlpOptions o;
    o.in = h.get_int("in_dim");
    o.out = h.get_int("out_dim");
    o.hidden = h.get_int("hidden");
    o.num_layers = h.get_int("num_layers");
    o.residual = h.get_bool("residual");
    o.activation = h.get_enum("activation", parse_activation, activation_names());
    core::Rng rng(seed, 7);
    return std::make_unique<MlpEmbedding>(o, &rng);
  }
  if (kind == "deepsets") {
    core::Rng rng(seed, 7);
    return std::make_unique<DeepSetsEmbedding>(deepsets_options_from(h), &rng);
  }
  if (kind == "cnn") {
    core::Rng rng(seed, 7);
    return std::make_unique<CnnEmbedding>(cnn_options_from(h), &rng);
  }
  throw core::Error("unknown embedding '" + kind + "' (expected none, mlp, deepsets or cnn)");
}

}  // namespace sbi::nn
