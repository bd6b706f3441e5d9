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
#pragma once

#include "simulators/lensing/source.h"

namespace sbi::simulators::lensing {

// b_n for index n > 0: P(2n, b_n) = 1/2, P the regularised lower incomplete gamma function.
// b_0.5 = ln 2, b_1 = 1.67834699..., b_4 = 7.66924944...
double sersic_b(double n);

class Sersic final : public Source {
 public:
  // Throws core::Error naming the parameter unless amplitude >= 0, r_eff > 0, 0 < n <= 20,
  // 0 < q <= 1 and all are finite.
  Sersic(double amplitude, double r_eff, double n, double q, double phi, double center_x = 0,
         double center_y = 0);

  double amplitude() const { return amplitude_; }
  double r_eff() const { return r_eff_; }
  double n() const { return n_; }
  double q() const { return q_; }
  double b() const { return b_; }
  // F above.
  double total_flux() const;

  using Source::brightness;
  void brightness(int n, const double* x, const double* y, double* out) const override;

 private:
  double amplitude_, r_eff_, n_, q_, phi_, center_x_, center_y_;
  double b_, cos_, sin_;
};

}  // namespace sbi::simulators::lensing
