#include "flows/nsf.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace sbi::flows {
namespace {

// Validates before the map is built, so a bad option is reported under its field name.
std::unique_ptr<ElementwiseMap> make_map(const NSFOptions& o) {
  std::string error;
  if (!o.is_valid(&error)) throw core::Error("NeuralSplineFlow: " + error);
  return std::make_unique<RationalQuadraticSpline>(o.spline());
}

}  // namespace

RationalQuadraticSplineOptions NSFOptions::spline() const {
  RationalQuadraticSplineOptions s;
  s.bins = bins;
  s.bound = bound;
  s.min_bin_width = min_bin_width;
  s.min_bin_height = min_bin_height;
  s.min_derivative = min_derivative;
  s.logit_scale = 1.0 / std::sqrt(static_cast<double>(std::max(hidden, 1)));
  return s;
}

bool NSFOptions::is_valid(std::string* error) const {
  if (!CouplingFlowOptions::is_valid("NSFOptions", error)) return false;
  std::string spline_error;
  if (!spline().is_valid(&spline_error)) {
    // Name the field as the user sets it: NSFOptions::bins, not the spline's options.
    *error = "NSFOptions::" + spline_error.substr(spline_error.find("::") + 2);
    return false;
  }
  return true;
}

Hyperparameters NSFOptions::to_hyperparameters() const {
  Hyperparameters h("NeuralSplineFlow");
  CouplingFlowOptions::to_hyperparameters(&h);
  h.set("bins", bins);
  h.set("bound", bound);
  h.set("min_bin_width", min_bin_width);
  h.set("min_bin_height", min_bin_height);
  h.set("min_derivative", min_derivative);
  return h;
}

NSFOptions NSFOptions::from_hyperparameters(const Hyperparameters& h) {
  NSFOptions o;
  o.CouplingFlowOptions::from_hyperparameters(h);
  o.bins = h.get_int("bins");
  o.bound = h.get_double("bound");
  o.min_bin_width = h.get_double("min_bin_width");
  o.min_bin_height = h.get_double("min_bin_height");
  o.min_derivative = h.get_double("min_derivative");
  return o;
}

NeuralSplineFlow::NeuralSplineFlow(const NSFOptions& options)
    : CouplingFlow(options, make_map(options), "NeuralSplineFlow"), options_(options) {}

}  // namespace sbi::flows
