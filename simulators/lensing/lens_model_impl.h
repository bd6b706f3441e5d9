// LensModelT::magnification and shoot (lens_model.h), for the files that compile it for a scalar type:
// lens_model.cc (double) and sbi/lens_fit_model.cc (ceres::Jet).
#pragma once

#include "simulators/lensing/external_shear_impl.h"
#include "simulators/lensing/lens_model.h"
#include "simulators/lensing/sie_impl.h"

namespace sbi::simulators::lensing {

template <class T>
T LensModelT<T>::magnification(double x, double y) const {
  const Matrix2 a = Matrix2::Identity() - hessian(x, y);
  return 1.0 / (a(0, 0) * a(1, 1) - a(1, 0) * a(0, 1));
}

template <class T>
void LensModelT<T>::shoot(int n, const double* x, const double* y, T* bx, T* by) const {
  for (int i = 0; i < n; ++i) bx[i] = by[i] = T(0.0);
  sie_.add_deflection(n, x, y, bx, by);
  shear_.add_deflection(n, x, y, bx, by);
#pragma omp simd
  for (int i = 0; i < n; ++i) {
    bx[i] = x[i] - bx[i];
    by[i] = y[i] - by[i];
  }
}

}  // namespace sbi::simulators::lensing
