// Builds a conditional density model from its kind and hyperparameters, as written by
// ConditionalDensity::hyperparameters(); used when creating and when loading a model.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "flows/conditional_density.h"

namespace sbi::flows {

// The architecture knobs every estimator understands; each maps them onto its own options.
struct DensityOptions {
  std::string kind = "realnvp";
  int theta_dim = 0;
  int context_dim = 0;
  int transforms = 5;  // coupling layers (flows), or network depth for others
  int hidden = 64;
  int layers = 2;      // residual blocks / hidden layers per network
  std::string activation = "relu";
  int bins = 8;        // nsf: spline bins K
  double bound = 5.0;  // nsf: spline interval [-B, B] on z-scored theta
  std::uint64_t seed = 0;
};

// A fresh model.
std::unique_ptr<ConditionalDensity> make_density(const DensityOptions& options);

// Rebuilds a model (to load its weights into) from what hyperparameters() wrote.
std::unique_ptr<ConditionalDensity> make_density(const std::string& kind, const Hyperparameters& h);

// The kinds make_density knows.
std::vector<std::string> density_kinds();

}  // namespace sbi::flows
