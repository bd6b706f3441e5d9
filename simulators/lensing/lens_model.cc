#include "simulators/lensing/lens_model.h"

#include <Eigen/LU>

namespace sbi::simulators::lensing {

double LensModel::magnification(double x, double y) const {
  const Eigen::Matrix2d a = Eigen::Matrix2d::Identity() - hessian(x, y);
  return 1.0 / a.determinant();
}

void LensModel::shoot(int n, const double* x, const double* y, double* bx, double* by) const {
  for (int i = 0; i < n; ++i) bx[i] = by[i] = 0;
  sie_.add_deflection(n, x, y, bx, by);
  shear_.add_deflection(n, x, y, bx, by);
#pragma omp simd
  for (int i = 0; i < n; ++i) {
    bx[i] = x[i] - bx[i];
    by[i] = y[i] - by[i];
  }
}

}  // namespace sbi::simulators::lensing
