// The lens of the `lensing` task: an SIE (sie.h) plus external shear (external_shear.h),
// with the lens equation β = θ - α(θ) mapping image-plane positions θ to the source plane
// (angles in arcsec, the optical axis at the origin).
//
// A template on the scalar type of the lens parameters (double, or an automatic-differentiation
// scalar: scalar_math.h); ray positions θ are always double. magnification() and shoot() are
// defined in lens_model_impl.h, compiled for double in lens_model.cc.
#pragma once

#include <Eigen/Core>

#include "simulators/lensing/external_shear.h"
#include "simulators/lensing/sie.h"

namespace sbi::simulators::lensing {

template <class T>
class LensModelT {
 public:
  using Vector2 = Eigen::Matrix<T, 2, 1>;
  using Matrix2 = Eigen::Matrix<T, 2, 2>;

  LensModelT(const SieT<T>& sie, const ExternalShearT<T>& shear) : sie_(sie), shear_(shear) {}

  const SieT<T>& sie() const { return sie_; }
  const ExternalShearT<T>& shear() const { return shear_; }

  T potential(double x, double y) const { return sie_.potential(x, y) + shear_.potential(x, y); }
  Vector2 deflection(double x, double y) const {
    return sie_.deflection(x, y) + shear_.deflection(x, y);
  }
  Matrix2 hessian(double x, double y) const { return sie_.hessian(x, y) + shear_.hessian(); }
  // True when α(-θ) = -α(θ): the SIE is centred on the optical axis (the shear always is).
  // The centre is a fixed position, so the derivatives of α are then odd in θ as well.
  bool is_point_symmetric() const { return sie_.center_x() == 0 && sie_.center_y() == 0; }
  // μ = 1 / det(1 - ∂²Ψ): signed (negative for saddle-point images), infinite on critical
  // curves.
  T magnification(double x, double y) const;

  // The lens equation for n rays: bx[i], by[i] = θ_i - α(θ_i), θ_i = (x[i], y[i]).
  void shoot(int n, const double* x, const double* y, T* bx, T* by) const;

 private:
  SieT<T> sie_;
  ExternalShearT<T> shear_;
};

using LensModel = LensModelT<double>;
extern template class LensModelT<double>;

}  // namespace sbi::simulators::lensing
