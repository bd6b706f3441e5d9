// The w0CDM background against closed forms: E(z), and χ(z) for Einstein–de Sitter and for
// w0 = -1/3 (dark energy diluting like curvature, where ∫ dz / E has a logarithmic primitive);
// one bad-input test per parameter.
#include "simulators/cosmology/background.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>

#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

// The distance quadrature (10-point Gauss–Legendre on panels of 0.25 in z) is accurate to
// ~1e-14 for these smooth integrands; 1e-10 leaves room for rounding.
constexpr double kDistanceTolerance = 1e-10;

TEST(CosmologyBackground, HubbleRateClosedForm) {
  Cosmology c;
  c.omega_m = 0.27;
  c.w0 = -0.8;
  const Background bg(c);
  for (double z : {0.0, 0.3, 1.0, 4.0}) {
    const double x = 1 + z;
    const double e = std::sqrt(0.27 * x * x * x + 0.73 * std::pow(x, 3 * (1 - 0.8)));
    EXPECT_NEAR(bg.e_of_z(z), e, 1e-14 * e) << "z = " << z;
  }
  EXPECT_DOUBLE_EQ(bg.e_of_z(0), 1.0);
}

TEST(CosmologyBackground, EinsteinDeSitterDistance) {
  Cosmology c;
  c.omega_m = 1.0;
  const Background bg(c);
  for (double z : {0.01, 0.5, 1.0, 3.0, 10.0}) {
    const double expected = 2 * kHubbleDistance * (1 - 1 / std::sqrt(1 + z));
    EXPECT_NEAR(bg.comoving_distance(z), expected, kDistanceTolerance * expected) << "z = " << z;
  }
  EXPECT_EQ(bg.comoving_distance(0), 0.0);
}

TEST(CosmologyBackground, CurvatureLikeDarkEnergyDistance) {
  // w0 = -1/3: E² = Ωm x³ + Ω_DE x², x = 1 + z, and with s = sqrt(Ωm x + Ω_DE), c = sqrt(Ω_DE),
  // ∫ dx / (x s) = (1/c) ln((s - c) / (s + c)).
  Cosmology c;
  c.omega_m = 0.3;
  c.w0 = -1.0 / 3.0;
  const Background bg(c);
  const double ode = 0.7, cc = std::sqrt(ode);
  auto primitive = [&](double x) {
    const double s = std::sqrt(0.3 * x + ode);
    return std::log((s - cc) / (s + cc)) / cc;
  };
  for (double z : {0.1, 1.0, 2.5, 6.0}) {
    const double expected = kHubbleDistance * (primitive(1 + z) - primitive(1));
    EXPECT_NEAR(bg.comoving_distance(z), expected, kDistanceTolerance * expected) << "z = " << z;
  }
}

TEST(CosmologyBackground, DerivedQuantities) {
  const Background bg(Cosmology{});
  // Ωm(a = 1) = Ωm, and for ΛCDM d ln E / d ln a = -(3/2) Ωm(a).
  EXPECT_NEAR(bg.omega_m_of_a(1.0), 0.3, 1e-15);
  for (double a : {0.1, 0.5, 1.0}) EXPECT_NEAR(bg.dlne_dlna(a), -1.5 * bg.omega_m_of_a(a), 1e-14);
}

TEST(CosmologyBackground, RejectsEachInvalidParameter) {
  struct Case {
    std::function<void(Cosmology*)> set;
    const char* expected;
  };
  const Case cases[] = {
      {[](Cosmology* c) { c->omega_m = 0; }, "Cosmology::omega_m = 0 must be in (0, 1]"},
      {[](Cosmology* c) { c->omega_m = -0.1; }, "Cosmology::omega_m = -0.1 must be in (0, 1]"},
      {[](Cosmology* c) { c->omega_m = 1.2; }, "Cosmology::omega_m = 1.2 must be in (0, 1]"},
      {[](Cosmology* c) { c->omega_m = NAN; }, "Cosmology::omega_m = nan"},
      {[](Cosmology* c) { c->omega_b = -0.01; }, "Cosmology::omega_b = -0.01 must be finite and >= 0"},
      {[](Cosmology* c) { c->omega_b = 0.4; }, "Cosmology::omega_b = 0.4 must be < omega_m = 0.3"},
      {[](Cosmology* c) { c->h = 0; }, "Cosmology::h = 0 must be in (0, 2]"},
      {[](Cosmology* c) { c->h = -0.7; }, "Cosmology::h = -0.7 must be in (0, 2]"},
      {[](Cosmology* c) { c->n_s = INFINITY; }, "Cosmology::n_s = inf must be finite"},
      {[](Cosmology* c) { c->sigma8 = 0; }, "Cosmology::sigma8 = 0 must be finite and > 0"},
      {[](Cosmology* c) { c->sigma8 = -0.8; }, "Cosmology::sigma8 = -0.8 must be finite and > 0"},
      {[](Cosmology* c) { c->w0 = 0; }, "Cosmology::w0 = 0 must be in [-3, -1/3]"},
      {[](Cosmology* c) { c->w0 = -4; }, "Cosmology::w0 = -4 must be in [-3, -1/3]"},
      {[](Cosmology* c) { c->t_cmb = 0; }, "Cosmology::t_cmb = 0 K must be in (0, 10]"},
  };
  for (const Case& k : cases) {
    Cosmology c;
    k.set(&c);
    std::string error;
    EXPECT_FALSE(c.is_valid(&error)) << k.expected;
    EXPECT_NE(error.find(k.expected), std::string::npos) << error;
    // The constructor throws with the same message, prefixed by the class.
    const std::string thrown = error_message([&] { Background bg(c); });
    EXPECT_EQ(thrown.rfind("Background: Cosmology::", 0), 0u) << thrown;
  }
  std::string error;
  EXPECT_TRUE(Cosmology{}.is_valid(&error)) << error;
  BackgroundOptions options;
  options.panel_width = 0;
  EXPECT_NE(error_message([&] { Background bg(Cosmology{}, options); })
                .find("BackgroundOptions::panel_width = 0 must be > 0"),
            std::string::npos);
  EXPECT_NE(error_message([] { Background(Cosmology{}).comoving_distance(-1); })
                .find("Background::comoving_distance: z = -1 must be finite and >= 0"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
