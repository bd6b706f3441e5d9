// The lens of the `lensing` task: an SIE (sie.h) plus external shear (external_shear.h),
// with the lens equation β = θ - α(θ) mapping image-plane positions θ to the source plane
// (angles in arcsec, the optical axis at the origin).
#pragma once

#include <Eigen/Core>

#include "simulators/lensing/external_shear.h"
#include "simulators/lensing/sie.h"

namespace sbi::simulators::lensing {

class LensModel {
 public:
  LensModel(const Sie& sie, const ExternalShear& shear) : sie_(sie), shear_(shear) {}

  const Sie& sie() const { return sie_; }
  const ExternalShear& shear() const { return shear_; }

  double potential(double x, double y) const {
    return sie_.potential(x, y) + shear_.potential(x, y);
  }
  Eigen::Vector2d deflection(double x, double y) const {
    return sie_.deflection(x, y) + shear_.deflection(x, y);
  }
  Eigen::Matrix2d hessian(double x, double y) const {
    return sie_.hessian(x, y) + shear_.hessian();
  }
  // True when α(-θ) = -α(θ): the SIE is centred on the optical axis (the shear always is).
  bool is_point_symmetric() const { return sie_.center_x() == 0 && sie_.center_y() == 0; }
  // μ = 1 / det(1 - ∂²Ψ): signed (negative for saddle-point images), infinite on critical curves.
  double magnification(double x, double y) const;

  // The lens equation for n rays: bx[i], by[i] = θ_i - α(θ_i), θ_i = (x[i], y[i]).
  void shoot(int n, const double* x, const double* y, double* bx, double* by) const;

 private:
  Sie sie_;
  ExternalShear shear_;
};

}  // namespace sbi::simulators::lensing
