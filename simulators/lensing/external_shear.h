// External shear (γ1, γ2) about the optical axis: the tidal field of the lens environment to
// second order (Keeton 2001, §2; lenstronomy's SHEAR), angles in arcsec:
//   Ψ = γ1 (x² - y²) / 2 + γ2 x y,   α = (γ1 x + γ2 y, γ2 x - γ1 y),
//   ∂²Ψ = [[γ1, γ2], [γ2, -γ1]]
// Images are stretched along the direction at atan2(γ2, γ1) / 2 from +x (γ1 > 0: along x),
// the eigenvector of the smallest eigenvalue of the lens-equation Jacobian 1 - ∂²Ψ.
#pragma once

#include <Eigen/Core>

namespace sbi::simulators::lensing {

class ExternalShear {
 public:
  // Throws core::Error unless both components are finite.
  ExternalShear(double gamma1, double gamma2);

  double gamma1() const { return gamma1_; }
  double gamma2() const { return gamma2_; }

  double potential(double x, double y) const {
    return 0.5 * gamma1_ * (x * x - y * y) + gamma2_ * x * y;
  }
  Eigen::Vector2d deflection(double x, double y) const {
    return {gamma1_ * x + gamma2_ * y, gamma2_ * x - gamma1_ * y};
  }
  Eigen::Matrix2d hessian() const;

  // ax[i] += α_x(x[i], y[i]), ay[i] += α_y(x[i], y[i]) for i < n.
  void add_deflection(int n, const double* x, const double* y, double* ax, double* ay) const;

 private:
  double gamma1_, gamma2_;
};

}  // namespace sbi::simulators::lensing
