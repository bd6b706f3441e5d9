// Singular isothermal ellipsoid (SIE) lens in closed form: Kormann, Schneider & Bartelmann
// 1994 (A&A 284, 285), in the notation of Keeton 2001 ("A catalog of mass models for
// gravitational lensing", astro-ph/0102341, §3.1). Angles in arcsec.
//
// In the lens frame (x', y'), centred on the lens with the major axis along x' at position
// angle φ (radians, counter-clockwise from +x), the convergence is
//   κ = θ_E / (2 sqrt(q x'² + y'²/q)),   0 < q <= 1 the minor-to-major axis ratio,
// the normalisation of lenstronomy's SIE and of SLACS: κ = 1/2 on the ellipse
// q x'² + y'²/q = θ_E², whose area is π θ_E², and q = 1 is the singular isothermal sphere
// (SIS) of Einstein radius θ_E. With ε = sqrt(1 - q²) and ψ = sqrt(q² x'² + y'²):
//   α_x' = θ_E sqrt(q) / ε · atan(ε x' / ψ),   α_y' = θ_E sqrt(q) / ε · atanh(ε y' / ψ)
//   Ψ = x' α_x' + y' α_y'   (the potential of any isothermal lens: α is homogeneous of degree 0)
//   ∂²Ψ = θ_E sqrt(q) / (ψ r²) [[y'², -x'y'], [-x'y', x'²]],   r² = x'² + y'²
// (trace 2κ, determinant 0). As q -> 1, atan(ε t)/ε and atanh(ε t)/ε tend to t: q = 1 uses
// those limits, α' = θ_E (x', y')/r (the SIS), instead of 0/0. The nearest double below 1
// gives ε = 1.5e-8, where the general formulas are still accurate to rounding (atan and
// atanh keep full relative precision for small arguments). The deflection at the centre is
// taken as 0.
#pragma once

#include <Eigen/Core>

namespace sbi::simulators::lensing {

class Sie {
 public:
  // Throws core::Error naming the parameter unless θ_E >= 0, 1e-6 <= q <= 1 (as q -> 0 the
  // deflection diverges on the minor axis) and all are finite.
  Sie(double theta_e, double q, double phi, double center_x = 0, double center_y = 0);

  double theta_e() const { return theta_e_; }
  double q() const { return q_; }
  double phi() const { return phi_; }
  double center_x() const { return center_x_; }
  double center_y() const { return center_y_; }

  double convergence(double x, double y) const;
  double potential(double x, double y) const;
  Eigen::Vector2d deflection(double x, double y) const;
  // The Hessian of the potential (∂²Ψ/∂x², ∂²Ψ/∂x∂y; ∂²Ψ/∂y∂x, ∂²Ψ/∂y²) in the sky frame.
  Eigen::Matrix2d hessian(double x, double y) const;

  // ax[i] += α_x(x[i], y[i]), ay[i] += α_y(x[i], y[i]) for i < n: the vectorised kernel that
  // deflection() also uses, so both agree bit for bit.
  void add_deflection(int n, const double* x, const double* y, double* ax, double* ay) const;

 private:
  // The lens-frame coordinates of (x, y).
  Eigen::Vector2d to_lens_frame(double x, double y) const;

  double theta_e_, q_, phi_, center_x_, center_y_;
  double cos_, sin_;  // of φ
  double scale_;      // θ_E sqrt(q) / ε, or θ_E for the SIS
  double eps_;        // ε = sqrt(1 - q²), 0 for the SIS
};

}  // namespace sbi::simulators::lensing
