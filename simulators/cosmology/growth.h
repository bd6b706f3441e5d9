// The linear growth factor of matter perturbations in a flat w0CDM background, from the
// growth equation in ln a (sub-horizon, pressureless matter, smooth dark energy):
//
//   D'' + (2 + d ln E / d ln a) D' - (3/2) Ωm(a) D = 0,        ' = d / d ln a,
//
// written for (ln D, f = d ln D / d ln a) as
//
//   (ln D)' = f,      f' = -f² - (2 + d ln E / d ln a) f + (3/2) Ωm(a),
//
// and integrated with Boost.Odeint (Dormand–Prince 5(4), dense output) from a_initial, where
// matter dominates and the growing mode is D = a, f = 1 (the dark-energy correction there is
// of relative order (1 - Ωm)/Ωm a_initial^(-3 w0), below 3e-6 for w0 <= -1/3 and the default
// a_initial), up to a = 1. Valid for any constant w0 (ΛCDM's integral solution
// D ∝ E ∫ da / (a E)³ holds only for w0 = -1). ln D and f are stored on a uniform ln a grid
// and interpolated by cubic Hermite polynomials with the exact slopes f (error O(step⁴)).
#pragma once

#include <string>
#include <vector>

#include "simulators/cosmology/background.h"

namespace sbi::simulators::cosmology {

struct GrowthOptions {
  double a_initial = 1e-6;   // start of the integration, where D = a, in (0, 1e-2]
  double step = 0.02;        // spacing of the stored ln a grid, in (0, 0.5]
  double tolerance = 1e-12;  // relative (and absolute) error per Odeint step, in (0, 1e-4]

  bool is_valid(std::string* error) const;
};

// Immutable after construction; all queries are const and thread-safe.
class Growth {
 public:
  // Integrates once. Throws core::Error on invalid options.
  explicit Growth(const Background& background, const GrowthOptions& options = {});

  // The growing mode normalised to D(a) -> a as a -> 0 (D = a exactly for Ωm = 1),
  // a in (0, 1]; below a_initial it is a.
  double unnormalised(double a) const;
  // D(a) / D(1): 1 today, a in (0, 1].
  double normalised(double a) const;
  // D(z) / D(0) at redshift z >= 0.
  double normalised_at_z(double z) const { return normalised(1.0 / (1.0 + z)); }
  // The growth rate f = d ln D / d ln a, a in (0, 1].
  double growth_rate(double a) const;

 private:
  double log_d(double a, double* slope) const;

  GrowthOptions options_;
  double log_a0_ = 0, step_ = 0;
  std::vector<double> log_d_, f_;  // ln D and f at ln a = log_a0_ + i step_
  double log_d_today_ = 0;
};

}  // namespace sbi::simulators::cosmology
