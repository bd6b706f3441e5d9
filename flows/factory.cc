#include "flows/factory.h"

#include "core/error.h"
#include "flows/cnf.h"
#include "flows/nsf.h"
#include "flows/realnvp.h"

namespace sbi::flows {
namespace {

// The knobs RealNVP and NSF share.
void set_coupling_options(const DensityOptions& options, CouplingFlowOptions* o) {
  o->theta_dim = options.theta_dim;
  o->context_dim = options.context_dim;
  o->num_transforms = options.transforms;
  o->hidden = options.hidden;
  o->num_blocks = options.layers;
  o->activation = nn::parse_activation(options.activation);
  o->seed = options.seed;
}

}  // namespace

std::unique_ptr<ConditionalDensity> make_density(const DensityOptions& options) {
  if (options.kind == "realnvp") {
    RealNVPOptions o;
    set_coupling_options(options, &o);
    return std::make_unique<RealNVP>(o);
  }
  if (options.kind == "nsf") {
    NSFOptions o;
    set_coupling_options(options, &o);
    o.bins = options.bins;
    o.bound = options.bound;
    return std::make_unique<NeuralSplineFlow>(o);
  }
  if (options.kind == "cnf") return make_cnf(options);
  return make_density(options.kind, Hyperparameters{});
}

std::unique_ptr<ConditionalDensity> make_density(const std::string& kind, const Hyperparameters& h) {
  if (kind == "realnvp") return std::make_unique<RealNVP>(RealNVPOptions::from_hyperparameters(h));
  if (kind == "nsf") return std::make_unique<NeuralSplineFlow>(NSFOptions::from_hyperparameters(h));
  if (kind == "cnf") return std::make_unique<Cnf>(CnfOptions::from_hyperparameters(h));
  std::string known;
  for (const std::string& k : density_kinds()) known += (known.empty() ? "" : ", ") + k;
  throw core::Error("unknown estimator '" + kind + "' (known: " + known + ")");
}

std::vector<std::string> density_kinds() { return {"realnvp", "nsf", "cnf"}; }

}  // namespace sbi::flows
