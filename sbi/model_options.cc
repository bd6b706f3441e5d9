#include "sbi/model_options.h"

#include "core/enum_names.h"
#include "core/error.h"

namespace sbi {
namespace {
const core::EnumNames<EmbeddingKind>& embedding_kinds() {
  static const core::EnumNames<EmbeddingKind> names("embedding", {"none", "mlp", "deepsets", "cnn"});
  return names;
}
}  // namespace

EmbeddingKind parse_embedding_kind(const std::string& name) { return embedding_kinds().parse(name); }
std::string embedding_kind_name(EmbeddingKind kind) { return embedding_kinds().name(kind); }
std::vector<std::string> embedding_kind_names() { return embedding_kinds().names(); }

nn::CnnOptions cnn_options(const ModelOptions& options, const core::DataShape& x_shape) {
  nn::CnnOptions e;
  e.height = x_shape.height;
  e.width = x_shape.width;
  e.channels = x_shape.channels;
  e.block_channels = options.cnn_channels;
  e.kernel = options.cnn_kernel;
  e.activation = options.embedding_activation();
  e.pooling = options.cnn_pooling;
  e.readout = options.cnn_readout;
  e.hidden = options.embedding_hidden;
  e.head_layers = options.embedding_layers;
  e.out_dim = options.embedding_dim;
  e.training_precision = options.density.training_precision;  // --train-precision: flow and CNN
  return e;
}

bool ModelOptions::is_valid(std::string* error) const {
  auto positive = [&](int v, const char* name) {
    if (v >= 1) return true;
    *error = std::string("ModelOptions::") + name + " = " + std::to_string(v) + " must be >= 1";
    return false;
  };
  if (!positive(embedding_dim, "embedding_dim") || !positive(embedding_hidden, "embedding_hidden"))
    return false;
  if (embedding_layers < 0) {
    *error = "ModelOptions::embedding_layers must be >= 0";
    return false;
  }
  // The density's own checks, with stand-in dimensions (create() sets the real ones).
  sbi::DensityOptions d = density;
  d.theta_dim = 1;
  d.context_dim = 0;
  return d.is_valid(error);
}

}  // namespace sbi
