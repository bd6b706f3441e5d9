// The growth factor from the ODE against closed forms: D(a) = a in Einstein–de Sitter, and the
// integral solution D(a) = (5 Ωm / 2) E(a) ∫_0^a da' / (a' E(a'))³ (normalised to D -> a),
// which holds whenever E² = A a^-3 + B a^-2 + C: ΛCDM, and w0 = -1/3 dark energy (whose
// E(a) and Ωm(a) are those of an open matter universe, so the growth equation is the same).
#include "simulators/cosmology/growth.h"

#include <gtest/gtest.h>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>

#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

// The tolerances: 1e-6 for EdS, 1e-5 against the integral solution. The defaults reach
// ~1e-9: Odeint's 1e-12 step tolerance, Hermite interpolation error (0.02)⁴/384 × O(1), and the
// a_initial = 1e-6 start (dark-energy correction (1-Ωm)/Ωm × a_i³ for ΛCDM, a_i for w0 = -1/3).
constexpr double kEdsTolerance = 1e-6;
constexpr double kIntegralTolerance = 1e-5;

double integral_solution(const Background& bg, double a) {
  auto integrand = [&](double x) {
    const double ae = x * bg.e_of_a(x);
    return 1.0 / (ae * ae * ae);
  };
  const double integral =
      boost::math::quadrature::gauss_kronrod<double, 61>::integrate(integrand, 0.0, a, 15, 1e-14);
  return 2.5 * bg.cosmology().omega_m * bg.e_of_a(a) * integral;
}

TEST(CosmologyGrowth, EinsteinDeSitterIsTheScaleFactor) {
  Cosmology c;
  c.omega_m = 1.0;
  const Background bg(c);
  const Growth growth(bg);
  for (double a : {1e-7, 1e-4, 0.01, 0.1, 0.37, 0.5, 0.9, 1.0}) {
    EXPECT_NEAR(growth.unnormalised(a), a, kEdsTolerance * a) << "a = " << a;
    EXPECT_NEAR(growth.normalised(a), a, kEdsTolerance * a) << "a = " << a;
    EXPECT_NEAR(growth.growth_rate(a), 1.0, kEdsTolerance) << "a = " << a;
  }
}

TEST(CosmologyGrowth, MatchesTheIntegralSolution) {
  struct Model {
    double omega_m, w0;
  };
  for (const Model m : {Model{0.3, -1.0}, Model{0.2, -1.0}, Model{0.45, -1.0}, Model{0.3, -1.0 / 3.0}}) {
    Cosmology c;
    c.omega_m = m.omega_m;
    c.w0 = m.w0;
    const Background bg(c);
    const Growth growth(bg);
    const double d1 = integral_solution(bg, 1.0);
    double worst = 0;
    for (double a : {1e-3, 0.05, 0.2, 0.333, 0.5, 0.71, 0.85, 1.0}) {
      const double expected = integral_solution(bg, a);
      const double rel = std::abs(growth.unnormalised(a) / expected - 1);
      worst = std::max(worst, rel);
      EXPECT_LT(rel, kIntegralTolerance) << "Ωm = " << m.omega_m << " w0 = " << m.w0 << " a = " << a;
      EXPECT_NEAR(growth.normalised(a), expected / d1, kIntegralTolerance * expected / d1);
    }
    std::printf("[ Ωm = %.2f, w0 = %.3f: max |D / D_integral - 1| = %.2e ]\n", m.omega_m, m.w0, worst);
  }
}

TEST(CosmologyGrowth, GrowthRateOfLambdaCdm) {
  // f = d ln D / d ln a against a centred difference of ln of the integral solution in ln a
  // (truncation ~ h^2 (ln D)'''/6 ~ 1e-9 for h = 1e-4; rounding ~ 1e-14 / h = 1e-10); the
  // Hermite slope of the table is O(step^3) ~ 1e-7 accurate.
  const Background bg(Cosmology{});
  const Growth growth(bg);
  for (double a : {0.1, 0.5, 0.9}) {
    const double h = 1e-4;
    const double f = (std::log(integral_solution(bg, a * std::exp(h))) -
                      std::log(integral_solution(bg, a * std::exp(-h)))) / (2 * h);
    EXPECT_NEAR(growth.growth_rate(a), f, 1e-6) << "a = " << a;
  }
}

TEST(CosmologyGrowth, EarlierDarkEnergyMeansLessRecentGrowth) {
  // No closed form for general w0: at fixed Ωm, dark energy with larger w0 matters earlier
  // (ρ_DE ∝ a^(-3(1+w0))), suppresses growth between a = 0.5 and 1 more, so D(0.5)/D(1) rises
  // with w0.
  double previous = 0;
  for (double w : {-1.5, -1.0, -0.5}) {
    Cosmology c;
    c.w0 = w;
    const Background bg(c);
    const double d = Growth(bg).normalised(0.5);
    EXPECT_GT(d, previous) << "w0 = " << w;
    previous = d;
  }
}

TEST(CosmologyGrowth, RejectsInvalidOptionsAndScaleFactors) {
  const Background bg(Cosmology{});
  GrowthOptions o;
  o.a_initial = 0.5;
  EXPECT_NE(error_message([&] { Growth g(bg, o); }).find("Growth: GrowthOptions::a_initial = 0.5"),
            std::string::npos);
  o = GrowthOptions{};
  o.step = 0;
  EXPECT_NE(error_message([&] { Growth g(bg, o); }).find("GrowthOptions::step = 0"), std::string::npos);
  o = GrowthOptions{};
  o.tolerance = 0.1;
  EXPECT_NE(error_message([&] { Growth g(bg, o); }).find("GrowthOptions::tolerance = 0.1"),
            std::string::npos);
  const Growth g(bg);
  EXPECT_NE(error_message([&] { g.normalised(1.5); }).find("scale factor a = 1.5"), std::string::npos);
  EXPECT_NE(error_message([&] { g.unnormalised(0); }).find("must be in (0, 1]"), std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
