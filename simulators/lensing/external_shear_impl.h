// Member definitions of ExternalShearT (external_shear.h), for the files that compile it for a
// scalar type: external_shear.cc (double) and sbi/lens_fit_model.cc (ceres::Jet).
#pragma once

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "simulators/lensing/external_shear.h"
#include "simulators/lensing/scalar_math.h"

namespace sbi::simulators::lensing {

template <class T>
ExternalShearT<T>::ExternalShearT(const T& gamma1, const T& gamma2)
    : gamma1_(gamma1), gamma2_(gamma2) {
  const double g1 = smath::value_of(gamma1), g2 = smath::value_of(gamma2);
  if (!(std::isfinite(g1) && std::isfinite(g2))) {
    char buf[160];
    std::snprintf(buf, sizeof buf,
                  "ExternalShear: (gamma1, gamma2) = (%.17g, %.17g) must be finite", g1, g2);
    throw core::Error(buf);
  }
}

template <class T>
typename ExternalShearT<T>::Matrix2 ExternalShearT<T>::hessian() const {
  Matrix2 h;
  h << gamma1_, gamma2_, gamma2_, -gamma1_;
  return h;
}

template <class T>
void ExternalShearT<T>::add_deflection(int n, const double* x, const double* y, T* ax,
                                       T* ay) const {
  const T g1 = gamma1_, g2 = gamma2_;
#pragma omp simd
  for (int i = 0; i < n; ++i) {
    ax[i] += g1 * x[i] + g2 * y[i];
    ay[i] += g2 * x[i] - g1 * y[i];
  }
}

}  // namespace sbi::simulators::lensing
