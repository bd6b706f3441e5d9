// The standard normal distribution's CDF Φ, survival function Q = 1 - Φ (accurate in the
// upper tail, where 1 - Φ would cancel) and quantile Φ⁻¹, for truncated normal priors.
#pragma once

namespace sbi::core {

double normal_cdf(double x);  // Φ(x)
double normal_sf(double x);   // Q(x) = Φ(-x)

// Φ⁻¹(p): -inf for p <= 0, +inf for p >= 1. Acklam's rational approximation (relative error
// below 1.2e-9) refined by one Halley step on erfc, which brings it to about 1e-15.
double normal_quantile(double p);

// Mass of [alpha, beta] under N(0, 1), computed on the side of 0 where it does not cancel.
double normal_mass(double alpha, double beta);

}  // namespace sbi::core
