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
  flows::DensityOptions d = density;
  d.theta_dim = 1;
  d.context_dim = 0;
  return d.is_valid(error);
}

}  // namespace sbi
