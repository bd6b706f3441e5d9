// Conditional neural spline flow (Durkan et al. 2019, "coupling RQ-NSF"): a CouplingFlow
// over the elementwise RationalQuadraticSpline (see flows/rational_quadratic_spline.h),
// K bins on [-B, B] and identity outside; the conditioner of a layer transforming |B|
// dimensions outputs (3K - 1) |B| numbers.
#pragma once

#include "flows/coupling_flow.h"
#include "flows/rational_quadratic_spline.h"

namespace sbi::flows {

struct NSFOptions : CouplingFlowOptions {
  int bins = 8;                  // K
  double bound = 5.0;            // B; theta is z-scored, so [-5, 5] holds nearly all the mass
  double min_bin_width = 1e-3;   // guards as in nflows (RationalQuadraticSplineOptions)
  double min_bin_height = 1e-3;
  double min_derivative = 1e-3;

  // The spline's options; the width and height logits are scaled by 1 / sqrt(hidden), as
  // nflows' PiecewiseRationalQuadraticCouplingTransform does (a rule, not a stored knob).
  RationalQuadraticSplineOptions spline() const;
  bool is_valid(std::string* error) const;
  // Keys: those of CouplingFlowOptions, bins, bound, min_bin_width, min_bin_height,
  // min_derivative.
  Hyperparameters to_hyperparameters() const;
  static NSFOptions from_hyperparameters(const Hyperparameters& h);
};

class NeuralSplineFlow : public CouplingFlow {
 public:
  explicit NeuralSplineFlow(const NSFOptions& options);

  std::string kind() const override { return "nsf"; }
  Hyperparameters hyperparameters() const override { return options_.to_hyperparameters(); }
  const NSFOptions& options() const { return options_; }

 private:
  NSFOptions options_;
};

}  // namespace sbi::flows
