#include "simulators/lensing/external_shear.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace sbi::simulators::lensing {

ExternalShear::ExternalShear(double gamma1, double gamma2) : gamma1_(gamma1), gamma2_(gamma2) {
  if (!(std::isfinite(gamma1) && std::isfinite(gamma2))) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "ExternalShear: (gamma1, gamma2) = (%.17g, %.17g) must be finite", gamma1,
                  gamma2);
    throw core::Error(buf);
  }
}

Eigen::Matrix2d ExternalShear::hessian() const {
  Eigen::Matrix2d h;
  h << gamma1_, gamma2_, gamma2_, -gamma1_;
  return h;
}

void ExternalShear::add_deflection(int n, const double* x, const double* y, double* ax,
                                   double* ay) const {
  const double g1 = gamma1_, g2 = gamma2_;
#pragma omp simd
  for (int i = 0; i < n; ++i) {
    ax[i] += g1 * x[i] + g2 * y[i];
    ay[i] += g2 * x[i] - g1 * y[i];
  }
}

}  // namespace sbi::simulators::lensing
