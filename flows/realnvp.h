// Conditional RealNVP (Dinh et al. 2017): a CouplingFlow over the elementwise Affine map,
// z_B = u_B exp(s) + t with soft-clamped log-scale s (see flows/affine.h).
#pragma once

#include "flows/affine.h"
#include "flows/coupling_flow.h"

namespace sbi::flows {

struct RealNVPOptions : CouplingFlowOptions {
  double log_scale_clamp = 3.0;  // |s| < clamp: each layer scales by at most e^3

  bool is_valid(std::string* error) const;
  // Keys: theta_dim, context_dim, num_transforms, hidden, num_blocks, residual, activation,
  // log_scale_clamp, seed (unchanged since the first model files).
  Hyperparameters to_hyperparameters() const;
  static RealNVPOptions from_hyperparameters(const Hyperparameters& h);
};

// Kept for callers written before CouplingFlow existed.
using RealNVPCache = CouplingFlowCache;

class RealNVP : public CouplingFlow {
 public:
  explicit RealNVP(const RealNVPOptions& options);

  std::string kind() const override { return "realnvp"; }
  Hyperparameters hyperparameters() const override { return options_.to_hyperparameters(); }
  const RealNVPOptions& options() const { return options_; }

 private:
  RealNVPOptions options_;
};

}  // namespace sbi::flows
