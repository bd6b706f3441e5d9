// Elliptical Sérsic surface brightness (Sérsic 1963; formulas collected by Graham & Driver
// 2005, PASA 22, 118), angles in arcsec:
//   I(R) = I_e exp(-b_n [(R / R_e)^(1/n) - 1]),   R² = x'² + y'²/q²
// with (x', y') centred on the source and rotated so that x' is the major axis, at position
// angle φ (radians, counter-clockwise from +x); R_e is the half-light semi-major axis, q in
// (0, 1] the axis ratio, n > 0 the index (0.5 Gaussian, 1 exponential, 4 de Vaucouleurs) and
// I_e = `amplitude` the surface brightness at R = R_e. b_n makes R_e enclose half the light:
// γ(2n, b_n) = Γ(2n) / 2, solved exactly by inverting the regularised incomplete gamma
// function (sersic_b). The total flux is (Graham & Driver eq. 4, times q for the ellipse)
//   F = 2π n q R_e² I_e e^(b_n) b_n^(-2n) Γ(2n).
//
// SersicT is a template on the scalar type of its parameters (double, or an
// automatic-differentiation scalar: scalar_math.h); its member definitions are in
// sersic_impl.h, compiled for double in sersic.cc.
#pragma once

#include "simulators/lensing/source.h"

namespace sbi::simulators::lensing {

// b_n for index n > 0: P(2n, b_n) = 1/2, P the regularised lower incomplete gamma function.
// b_0.5 = ln 2, b_1 = 1.67834699..., b_4 = 7.66924944...
double sersic_b(double n);
// db_n/dn, by implicit differentiation of P(2n, b_n) = 1/2:
//   db_n/dn = -2 (∂P/∂a) / (∂P/∂x)   at a = 2n, x = b_n,
// with ∂P/∂x = x^(a-1) e^(-x) / Γ(a) and ∂P/∂a from the series P(a, x) = Σ_k e^(-x) x^(a+k) /
// Γ(a+k+1) differentiated term by term (each term times ln x - ψ(a+k+1), ψ the digamma
// function; DLMF 8.7.1). Throws core::Error for n outside (0, 20].
double sersic_b_derivative(double n);

template <class T>
class SersicT final : public SourceT<T> {
 public:
  // Throws core::Error naming the parameter unless amplitude >= 0, r_eff > 0, 0 < n <= 20,
  // 0 < q <= 1 and all are finite.
  SersicT(const T& amplitude, const T& r_eff, const T& n, const T& q, const T& phi,
          const T& center_x = T(0.0), const T& center_y = T(0.0));

  const T& amplitude() const { return amplitude_; }
  const T& r_eff() const { return r_eff_; }
  const T& n() const { return n_; }
  const T& q() const { return q_; }
  const T& b() const { return b_; }
  // F above (of the parameters' values).
  double total_flux() const;

  using SourceT<T>::brightness;
  void brightness(int n, const T* x, const T* y, T* out) const override;

 private:
  T amplitude_, r_eff_, n_, q_, phi_, center_x_, center_y_;
  T b_, cos_, sin_;
};

using Sersic = SersicT<double>;
extern template class SersicT<double>;

}  // namespace sbi::simulators::lensing
