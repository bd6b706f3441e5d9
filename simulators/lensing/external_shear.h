// External shear (γ1, γ2) about the optical axis: the tidal field of the lens environment to
// second order (Keeton 2001, §2; lenstronomy's SHEAR), angles in arcsec:
//   Ψ = γ1 (x² - y²) / 2 + γ2 x y,   α = (γ1 x + γ2 y, γ2 x - γ1 y),
//   ∂²Ψ = [[γ1, γ2], [γ2, -γ1]]
// Images are stretched along the direction at atan2(γ2, γ1) / 2 from +x (γ1 > 0: along x),
// the eigenvector of the smallest eigenvalue of the lens-equation Jacobian 1 - ∂²Ψ.
//
// A template on the scalar type of (γ1, γ2) (double, or an automatic-differentiation scalar:
// scalar_math.h); member definitions in external_shear_impl.h, compiled for double in
// external_shear.cc.
#pragma once

#include <Eigen/Core>

namespace sbi::simulators::lensing {

template <class T>
class ExternalShearT {
 public:
  using Vector2 = Eigen::Matrix<T, 2, 1>;
  using Matrix2 = Eigen::Matrix<T, 2, 2>;

  // Throws core::Error unless both components are finite.
  ExternalShearT(const T& gamma1, const T& gamma2);

  const T& gamma1() const { return gamma1_; }
  const T& gamma2() const { return gamma2_; }

  T potential(double x, double y) const {
    return 0.5 * gamma1_ * (x * x - y * y) + gamma2_ * x * y;
  }
  Vector2 deflection(double x, double y) const {
    return {gamma1_ * x + gamma2_ * y, gamma2_ * x - gamma1_ * y};
  }
  Matrix2 hessian() const;

  // ax[i] += α_x(x[i], y[i]), ay[i] += α_y(x[i], y[i]) for i < n.
  void add_deflection(int n, const double* x, const double* y, T* ax, T* ay) const;

 private:
  T gamma1_, gamma2_;
};

using ExternalShear = ExternalShearT<double>;
extern template class ExternalShearT<double>;

}  // namespace sbi::simulators::lensing
