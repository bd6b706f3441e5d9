#include "flows/realnvp.h"

#include "core/error.h"

namespace sbi::flows {
namespace {

// Validates before the map is built, so a bad option is reported under its field name.
std::unique_ptr<ElementwiseMap> make_map(const RealNVPOptions& o) {
  std::string error;
  if (!o.is_valid(&error)) throw core::Error("RealNVP: " + error);
  return std::make_unique<Affine>(o.log_scale_clamp);
}

}  // namespace

bool RealNVPOptions::is_valid(std::string* error) const {
  if (!CouplingFlowOptions::is_valid("RealNVPOptions", error)) return false;
  if (!(log_scale_clamp > 0)) {
    *error = "RealNVPOptions::log_scale_clamp must be > 0";
    return false;
  }
  return true;
}

Hyperparameters RealNVPOptions::to_hyperparameters() const {
  Hyperparameters h("RealNVP");
  CouplingFlowOptions::to_hyperparameters(&h);
  h.set("log_scale_clamp", log_scale_clamp);
  return h;
}

RealNVPOptions RealNVPOptions::from_hyperparameters(const Hyperparameters& h) {
  RealNVPOptions o;
  o.CouplingFlowOptions::from_hyperparameters(h);
  o.log_scale_clamp = h.get_double("log_scale_clamp");
  return o;
}

RealNVP::RealNVP(const RealNVPOptions& options)
    : CouplingFlow(options, make_map(options), "RealNVP"), options_(options) {}

}  // namespace sbi::flows
