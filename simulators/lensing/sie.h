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
// (trace 2κ, determinant 0). As q -> 1, atan(ε t)/ε and atanh(ε t)/ε tend to t: for
// ε < 0.01 (q > 0.99995, including the SIS q = 1) they are evaluated by their Taylor series in
// ε², t (1 ∓ ε²t²/3 + ε⁴t⁴/5 ∓ ε⁶t⁶/7), whose first omitted term is below ε⁸/9 < 1.2e-17
// relative (|t|, |w| <= 1/q). The series is a smooth function of q through ε² = (1-q)(1+q), so
// derivatives with respect to q stay exact there, where the closed form would divide
// by ε -> 0. The deflection at the centre is taken as 0.
//
// The class is a template on the scalar type of θ_E, q and φ (double, or an
// automatic-differentiation scalar: scalar_math.h); the centre is a fixed position. Its
// member definitions are in sie_impl.h, compiled for double in sie.cc.
#pragma once

#include <Eigen/Core>

namespace sbi::simulators::lensing {

template <class T>
class SieT {
 public:
  using Vector2 = Eigen::Matrix<T, 2, 1>;
  using Matrix2 = Eigen::Matrix<T, 2, 2>;

  // Throws core::Error naming the parameter unless θ_E >= 0, 1e-6 <= q <= 1 (as q -> 0 the
  // deflection diverges on the minor axis) and all are finite.
  SieT(const T& theta_e, const T& q, const T& phi, double center_x = 0, double center_y = 0);

  const T& theta_e() const { return theta_e_; }
  const T& q() const { return q_; }
  const T& phi() const { return phi_; }
  double center_x() const { return center_x_; }
  double center_y() const { return center_y_; }

  T convergence(double x, double y) const;
  T potential(double x, double y) const;
  Vector2 deflection(double x, double y) const;
  // The Hessian of the potential (∂²Ψ/∂x², ∂²Ψ/∂x∂y; ∂²Ψ/∂y∂x, ∂²Ψ/∂y²) in the sky frame.
  Matrix2 hessian(double x, double y) const;

  // ax[i] += α_x(x[i], y[i]), ay[i] += α_y(x[i], y[i]) for i < n: the vectorised kernel that
  // deflection() also uses, so both agree bit for bit.
  void add_deflection(int n, const double* x, const double* y, T* ax, T* ay) const;

 private:
  // The lens-frame coordinates of (x, y).
  Vector2 to_lens_frame(double x, double y) const;

  T theta_e_, q_, phi_;
  double center_x_, center_y_;
  T cos_, sin_;  // of φ
  T eps2_;       // ε² = (1 - q)(1 + q)
  T eps_;        // ε, or 0 where the series is used
  T scale_;      // θ_E sqrt(q) / ε, or θ_E sqrt(q) where the series is used
  bool series_;  // ε < kSeriesEps
};

using Sie = SieT<double>;
extern template class SieT<double>;

}  // namespace sbi::simulators::lensing
