// Mass profiles of the dwarf task: the generalised NFW enclosed mass (series) against the
// closed forms at γ = 0, 1, 2 and against direct quadrature of the density elsewhere.
#include "simulators/mass_profile.h"

#include <gtest/gtest.h>

#include <cmath>

#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;

// x = r / r_s from 1e-4 to 1e3: the range the Jeans grid spans for r_star/r_s in [0.01, 10].
std::vector<double> log_spaced_x() {
  std::vector<double> x;
  for (double lx = -4; lx <= 3.0001; lx += 0.25) x.push_back(std::pow(10.0, lx));
  return x;
}

double rel(double a, double b) { return std::abs(a - b) / std::abs(b); }

TEST(DwarfMassProfile, NfwEnclosedMassMatchesClosedForm) {
  // γ = 1: M(r) = 4π ρ0 r_s³ [ln(1 + x) - x/(1 + x)]. Above x = 1e-2 the closed form loses
  // at most ~1e-16 / x² ~ 1e-12 to cancellation. Below, it cancels catastrophically, so we
  // compare with its Taylor series Σ_{k>=2} (-1)^k (k-1)/k x^k, truncated after k = 12
  // (remainder < x^11 / (x²/2) ~ 1e-18 relative).
  const double rho0 = 3.2e7, rs = 0.8;
  const GeneralizedNfw nfw(rho0, rs, 1.0);
  for (double x : log_spaced_x()) {
    double taylor = 0;
    for (int k = 12; k >= 2; --k) taylor = (k % 2 == 0 ? 1 : -1) * (k - 1.0) / k * std::pow(x, k) + taylor;
    const double closed = x >= 1e-2 ? std::log1p(x) - x / (1 + x) : taylor;
    const double expected = 4 * M_PI * rho0 * rs * rs * rs * closed;
    EXPECT_LT(rel(GeneralizedNfw::dimensionless_mass_series(x, 1.0), closed), 1e-11) << x;
    EXPECT_LT(rel(nfw.enclosed_mass(x * rs), expected), 1e-11) << x;
  }
}

TEST(DwarfMassProfile, SeriesMatchesClosedFormsForCoreAndIsothermalCusp) {
  for (double x : log_spaced_x()) {
    // The γ = 0 closed form cancels to x³/3: rounding costs ~1e-16 / x³ relative.
    if (x < 0.1) continue;
    const double u = 1 + x;
    EXPECT_LT(rel(GeneralizedNfw::dimensionless_mass_series(x, 0.0),
                  std::log(u) + 2 / u - 0.5 / (u * u) - 1.5), 1e-11) << x;
    EXPECT_LT(rel(GeneralizedNfw::dimensionless_mass_series(x, 2.0), std::log1p(x)), 1e-12) << x;
  }
}

TEST(DwarfMassProfile, SeriesMatchesQuadratureOfTheDensityForAnyGamma) {
  // tanh-sinh quadrature of 4π r² ρ is an independent evaluation, good to ~1e-12.
  for (double gamma : {-0.9, -0.3, 0.0, 0.37, 1.0, 1.5, 1.93}) {
    const GeneralizedNfw halo(1e8, 1.3, gamma);
    for (double x : log_spaced_x()) {
      const double r = x * 1.3;
      EXPECT_LT(rel(halo.enclosed_mass(r), enclosed_mass_by_quadrature(halo, r)), 1e-9)
          << "gamma " << gamma << " x " << x;
    }
  }
}

TEST(DwarfMassProfile, ContinuousAcrossTheClosedFormSlopes) {
  // The closed form is used at exactly γ = 1; a neighbouring γ goes through the series.
  // dM/dγ is O(M) (|d m / dγ| <= m |ln x| + ...), so 1e-9 in γ moves M by < 1e-7.
  const GeneralizedNfw at(1e7, 1.0, 1.0), near(1e7, 1.0, 1.0 + 1e-9);
  for (double x : log_spaced_x()) EXPECT_LT(rel(near.enclosed_mass(x), at.enclosed_mass(x)), 1e-7) << x;
}

TEST(DwarfMassProfile, DensityIsTheDerivativeOfTheEnclosedMass) {
  // dM/dr = 4π r² ρ by a central difference with step 1e-5 r (error ~1e-10 relative).
  const GeneralizedNfw halo(5e7, 0.6, 0.7);
  const PlummerMass plummer(2e8, 0.4);
  for (double r : {0.01, 0.1, 0.5, 2.0, 30.0}) {
    for (const MassProfile* p : {static_cast<const MassProfile*>(&halo),
                                 static_cast<const MassProfile*>(&plummer)}) {
      const double h = 1e-5 * r;
      const double dm = (p->enclosed_mass(r + h) - p->enclosed_mass(r - h)) / (2 * h);
      EXPECT_LT(rel(dm, 4 * M_PI * r * r * p->density(r)), 1e-8) << r;
    }
  }
}

TEST(DwarfMassProfile, PlummerClosedFormMatchesQuadratureAndTotalMass) {
  const PlummerMass p(1e9, 0.25);
  for (double r : {1e-3, 0.1, 0.25, 1.0, 10.0})
    EXPECT_LT(rel(p.enclosed_mass(r), enclosed_mass_by_quadrature(p, r)), 1e-11) << r;
  EXPECT_LT(rel(p.enclosed_mass(1e5), 1e9), 1e-11);
}

TEST(DwarfMassProfile, InvalidParametersAreErrors) {
  EXPECT_NE(error_message([] { GeneralizedNfw(1e7, 1.0, 3.0); }).find("gamma = 3"), std::string::npos);
  EXPECT_NE(error_message([] { GeneralizedNfw(-1, 1.0, 1.0); }).find("rho0"), std::string::npos);
  EXPECT_NE(error_message([] { PlummerMass(1e8, 0.0); }).find("scale radius"), std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators
