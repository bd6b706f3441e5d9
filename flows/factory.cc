#include "flows/factory.h"

#include "core/error.h"
#include "flows/realnvp.h"

namespace sbi::flows {

std::unique_ptr<ConditionalDensity> make_density(const DensityOptions& options) {
  if (options.kind == "realnvp") {
    RealNVPOptions o;
    o.theta_dim = options.theta_dim;
    o.context_dim = options.context_dim;
    o.num_transforms = options.transforms;
    o.hidden = options.hidden;
    o.num_blocks = options.layers;
    o.activation = nn::parse_activation(options.activation);
    o.seed = options.seed;
    return std::make_unique<RealNVP>(o);
  }
  return make_density(options.kind, Hyperparameters{});
}

std::unique_ptr<ConditionalDensity> make_density(const std::string& kind, const Hyperparameters& h) {
  if (kind == "realnvp") return std::make_unique<RealNVP>(RealNVPOptions::from_hyperparameters(h));
  std::string known;
  for (const std::string& k : density_kinds()) known += (known.empty() ? "" : ", ") + k;
  throw core::Error("unknown estimator '" + kind + "' (known: " + known + ")");
}

std::vector<std::string> density_kinds() { return {"realnvp"}; }

}  // namespace sbi::flows
