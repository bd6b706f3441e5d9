// Spherical mass profiles for Jeans modelling: density ρ(r) and enclosed mass M(r).
// Units: r in kpc, ρ in M_sun / kpc³, M in M_sun.
//
// The Jeans solver (simulators/jeans.h) only calls enclosed_mass(), so any profile plugs in:
// one that defines density() alone gets M(r) = ∫_0^r 4π r'² ρ(r') dr' by quadrature
// (enclosed_mass_by_quadrature); the profiles here override it with closed forms or series.
//
// Profiles are immutable and thread-safe.
#pragma once

#include <array>

namespace sbi::simulators {

class MassProfile {
 public:
  virtual ~MassProfile() = default;

  // ρ(r) [M_sun / kpc³] at r [kpc] > 0.
  virtual double density(double r) const = 0;

  // M(< r) [M_sun] at r [kpc] >= 0. Default: enclosed_mass_by_quadrature(*this, r).
  virtual double enclosed_mass(double r) const;
};

// M(r) = ∫_0^r 4π r'² ρ(r') dr' by tanh-sinh quadrature in t = r'/r ∈ (0, 1), which is
// exact to about 1e-12 relative for integrable power-law cusps ρ ∝ r^-γ, γ < 3, at the centre.
double enclosed_mass_by_quadrature(const MassProfile& profile, double r);

// Plummer sphere of total mass M [M_sun] and scale radius a [kpc]:
//   ρ(r) = 3M / (4π a³) (1 + r²/a²)^(-5/2),   M(r) = M r³ / (r² + a²)^(3/2).
class PlummerMass final : public MassProfile {
 public:
  PlummerMass(double total_mass, double scale_radius);
  double density(double r) const override;
  double enclosed_mass(double r) const override;
  double total_mass() const { return mass_; }
  double scale_radius() const { return a_; }

 private:
  double mass_, a_;
};

// Generalised NFW (Zhao 1996 with α = 1, outer slope 3):
//   ρ(r) = ρ0 (r/r_s)^-γ (1 + r/r_s)^(γ-3),      ρ0 [M_sun/kpc³], r_s [kpc], γ < 3.
// Enclosed mass, with x = r/r_s:
//   M(r) = 4π ρ0 r_s³ m(x; γ),   m(x; γ) = ∫_0^x s^(2-γ) (1+s)^(γ-3) ds.
// Substituting t = s/(1+s) turns m into the incomplete beta integral
//   m = ∫_0^y t^(a-1) / (1-t) dt,   y = x/(1+x),  a = 3 - γ,
// evaluated by two series that each converge at least as fast as 2^-k (see
// dimensionless_mass_series); closed forms are used at γ = 0, 1, 2:
//   γ = 1 (NFW):  m = ln(1+x) - x/(1+x)
//   γ = 0:        m = ln(1+x) + 2/(1+x) - 1/(2(1+x)²) - 3/2
//   γ = 2:        m = ln(1+x)
class GeneralizedNfw final : public MassProfile {
 public:
  // Throws core::Error unless ρ0 > 0, r_s > 0 and γ < 3, all finite.
  GeneralizedNfw(double rho0, double scale_radius, double gamma);
  double density(double r) const override;
  double enclosed_mass(double r) const override;

  double rho0() const { return rho0_; }
  double scale_radius() const { return rs_; }
  double gamma() const { return gamma_; }

  // m(x; γ) as above: closed form at γ ∈ {0, 1, 2}, else dimensionless_mass_series.
  static double dimensionless_mass(double x, double gamma);
  // m(x; γ) by the series alone, for any γ < 3 (relative error ~1e-15):
  //   y <= 1/2:  m = Σ_k y^(a+k) / (a+k)
  //   y >  1/2:  m = m(1/2) + ln(1 / (2(1-y))) + Σ_{k>=1} c_k (2^-k - (1-y)^k) / k,
  //              with (1-w)^(a-1) = Σ_k c_k w^k, c_k = (-1)^k binom(a-1, k).
  static double dimensionless_mass_series(double x, double gamma);

 private:
  static constexpr int kTerms = 64;  // both series converge to 1e-17 within 57 terms

  double rho0_, rs_, gamma_;
  double mass_unit_;  // 4π ρ0 r_s³ [M_sun]
  double m_half_;     // m at y = 1/2 (x = 1)
  // Series coefficients for this γ: 1/(a+k), and c_k/k of the y > 1/2 branch.
  std::array<double, kTerms> low_coef_, high_coef_;
};

}  // namespace sbi::simulators
