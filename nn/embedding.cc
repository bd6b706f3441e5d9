#include "nn/embedding.h"

#include "core/error.h"
#include "nn/deepsets.h"

namespace sbi::nn {

EmbeddingHyperparameters MlpEmbedding::hyperparameters() const {
  const MlpOptions& o = mlp_.options();
  return {{"in_dim", o.in},         {"out_dim", o.out},
          {"hidden", o.hidden},     {"num_layers", o.num_layers},
          {"residual", o.residual}, {"activation", static_cast<double>(o.activation)}};
}

Matrix MlpEmbedding::embed(const Matrix& x) const {
  MlpCache cache;
  return mlp_.forward(x, &cache);
}

std::unique_ptr<Embedding> make_embedding(const std::string& kind,
                                          const EmbeddingHyperparameters& h, std::uint64_t seed) {
  auto get = [&](const char* key) {
    auto it = h.find(key);
    core::check(it != h.end(), "make_embedding: '" + kind + "' needs hyperparameter '" + key + "'");
    return it->second;
  };
  if (kind == "none") return std::make_unique<IdentityEmbedding>(static_cast<int>(get("in_dim")));
  if (kind == "mlp") {
    MlpOptions o;
    o.in = static_cast<int>(get("in_dim"));
    o.out = static_cast<int>(get("out_dim"));
    o.hidden = static_cast<int>(get("hidden"));
    o.num_layers = static_cast<int>(get("num_layers"));
    o.residual = get("residual") != 0.0;
    o.activation = static_cast<Activation>(static_cast<int>(get("activation")));
    core::Rng rng(seed, 7);
    return std::make_unique<MlpEmbedding>(o, &rng);
  }
  if (kind == "deepsets") {
    core::Rng rng(seed, 7);
    return std::make_unique<DeepSetsEmbedding>(deepsets_options_from(h), &rng);
  }
  throw core::Error("unknown embedding '" + kind + "' (expected none, mlp or deepsets)");
}

}  // namespace sbi::nn
