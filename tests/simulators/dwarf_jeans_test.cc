// The Jeans solver against closed forms: the self-consistent Plummer sphere (isotropic,
// radial β = 1, Osipkov–Merritt), its projected dispersion, and direct quadrature of the
// Jeans and projection integrals for a generalised NFW halo with constant anisotropy.
#include "simulators/jeans.h"

#include <gtest/gtest.h>

#include <boost/math/quadrature/exp_sinh.hpp>
#include <cmath>

#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;
constexpr double kG = kGravitationalConstant;
// The requirement for the solver; the defaults reach ~1e-7 (grid h = 0.11 in ln r,
// Hermite error ~h⁴/384 times O(1) derivatives of ln σ²).
constexpr double kTolerance = 1e-4;

double rel(double a, double b) { return std::abs(a - b) / std::abs(b); }

// Radii from 1e-2 a to 1e2 a, deliberately off the grid points.
std::vector<double> radii(double a) {
  std::vector<double> r;
  for (double l = -2; l <= 2.0001; l += 0.137) r.push_back(a * std::pow(10.0, l));
  return r;
}

// Self-consistent Plummer sphere of mass M and scale a (closed forms derived from the
// Jeans integral with ν ∝ (r² + a²)^(-5/2) and M(r) = M r³ (r² + a²)^(-3/2)):
//   β = 0:  σ_r² = G M / (6 sqrt(r² + a²))
//   β = 1:  σ_r² = G M (3r² + a²) / (12 r² sqrt(r² + a²))
//   OM:     ν σ_r² = (I_1 + r_a² I_0) / (r² + r_a²), I_0 = ν σ²_{β=0}, I_1 = r² ν σ²_{β=1}
struct PlummerSphere {
  double mass = 2.5e8, a = 0.35;
  double iso(double r) const { return kG * mass / (6 * std::sqrt(r * r + a * a)); }
  double radial(double r) const {
    return kG * mass * (3 * r * r + a * a) / (12 * r * r * std::sqrt(r * r + a * a));
  }
  double om(double r, double ra) const {
    return (r * r * radial(r) + ra * ra * iso(r)) / (r * r + ra * ra);
  }
};

// Σ(R) σ_los²(R) = 2 ∫_0^∞ (1 - β(r) R²/r²) ν σ_r²(r) dz, r² = R² + z², by exp-sinh
// quadrature: independent of the solver's r = R cosh u panels.
template <class Sigma2, class Beta>
double project(const PlummerTracer& tracer, double R, const Sigma2& sigma2, const Beta& beta) {
  boost::math::quadrature::exp_sinh<double> integrator;
  const double integral = integrator.integrate([&](double z) {
    const double r = std::sqrt(R * R + z * z);
    return (1 - beta(r) * R * R / (r * r)) * tracer.density(r) * sigma2(r);
  });
  return 2 * integral / tracer.surface_density(R);
}

TEST(DwarfJeans, IsotropicPlummerSphereMatchesClosedForms) {
  const PlummerSphere p;
  const PlummerMass mass(p.mass, p.a);
  const PlummerTracer tracer(p.a);
  const JeansSolution s = JeansSolver().solve(mass, tracer, Anisotropy::constant(0.0));
  double worst = 0, worst_los = 0;
  for (double r : radii(p.a)) {
    worst = std::max(worst, rel(s.sigma_r2(r), p.iso(r)));
    // Projected: σ_los² = 3π G M / (64 sqrt(R² + a²)).
    worst_los = std::max(worst_los, rel(s.sigma_los2(r), 3 * M_PI * kG * p.mass / (64 * std::sqrt(r * r + p.a * p.a))));
  }
  EXPECT_LT(worst, kTolerance);
  EXPECT_LT(worst_los, kTolerance);
  std::printf("isotropic Plummer: max relative error sigma_r^2 %.2e, sigma_los^2 %.2e\n", worst, worst_los);
  // The grid points themselves carry only the quadrature error (inside 100 a: beyond, the
  // power-law tail approximation, ν ∝ r^-5 and M constant, adds ~(a/r_max)² ~ 1e-6).
  for (int i = 0; i < s.log_r().size(); i += 3) {
    const double r = std::exp(s.log_r()[i]);
    if (r > 100 * p.a) break;
    EXPECT_LT(rel(std::exp(s.log_sigma_r2()[i]), p.iso(r)), 1e-9) << r;
  }
}

TEST(DwarfJeans, RadialAndOsipkovMerrittPlummerSpheresMatchClosedForms) {
  const PlummerSphere p;
  const PlummerMass mass(p.mass, p.a);
  const PlummerTracer tracer(p.a);
  const JeansSolution radial = JeansSolver().solve(mass, tracer, Anisotropy::constant(1.0));
  const double ra = 0.7 * p.a;
  const JeansSolution om = JeansSolver().solve(mass, tracer, Anisotropy::osipkov_merritt(ra));
  double worst_radial = 0, worst_om = 0;
  for (double r : radii(p.a)) {
    worst_radial = std::max(worst_radial, rel(radial.sigma_r2(r), p.radial(r)));
    worst_om = std::max(worst_om, rel(om.sigma_r2(r), p.om(r, ra)));
    EXPECT_LT(rel(om.sigma_t2(r), (1 - r * r / (r * r + ra * ra)) * p.om(r, ra)), kTolerance);
  }
  EXPECT_LT(worst_radial, kTolerance);
  EXPECT_LT(worst_om, kTolerance);
  std::printf("radial Plummer %.2e, Osipkov-Merritt Plummer %.2e\n", worst_radial, worst_om);
}

TEST(DwarfJeans, ProjectionWithAnisotropyMatchesLineOfSightQuadrature) {
  // The anisotropy term (1 - β R²/r²) matters: radial orbits lower σ_los at large R.
  const PlummerSphere p;
  const PlummerMass mass(p.mass, p.a);
  const PlummerTracer tracer(p.a);
  const double ra = 0.7 * p.a;
  const JeansSolution radial = JeansSolver().solve(mass, tracer, Anisotropy::constant(1.0));
  const JeansSolution om = JeansSolver().solve(mass, tracer, Anisotropy::osipkov_merritt(ra));
  double worst = 0;
  for (double R : radii(p.a)) {
    const double want_radial = project(tracer, R, [&](double r) { return p.radial(r); },
                                       [](double) { return 1.0; });
    const double want_om = project(tracer, R, [&](double r) { return p.om(r, ra); },
                                   [&](double r) { return r * r / (r * r + ra * ra); });
    worst = std::max({worst, rel(radial.sigma_los2(R), want_radial), rel(om.sigma_los2(R), want_om)});
  }
  EXPECT_LT(worst, kTolerance);
  std::printf("anisotropic projections: max relative error %.2e\n", worst);
}

TEST(DwarfJeans, NfwHaloWithConstantAnisotropyMatchesDirectQuadrature) {
  // ν σ_r²(r) = r^(-2β) ∫_r^∞ r'^(2β) ν G M(r') / r'² dr' by exp-sinh quadrature, with the
  // NFW closed-form mass: independent of the solver's grid, panels and tail.
  const double rho0 = 6.4e7, rs = 1.0, a = 0.25;
  const GeneralizedNfw halo(rho0, rs, 1.0);
  const PlummerTracer tracer(a);
  for (double beta : {-0.5, 0.0, 0.5, 0.9}) {
    const JeansSolution s = JeansSolver().solve(halo, tracer, Anisotropy::constant(beta));
    boost::math::quadrature::exp_sinh<double> integrator;
    double worst = 0, worst_los = 0;
    for (double r : radii(a)) {
      const double integral = integrator.integrate([&](double t) {
        const double rp = r + t;  // r' = r + t, t ∈ [0, ∞)
        return std::pow(rp / r, 2 * beta) * tracer.density(rp) * kG * halo.enclosed_mass(rp) / (rp * rp);
      });
      const double want = integral / tracer.density(r);
      worst = std::max(worst, rel(s.sigma_r2(r), want));
    }
    for (double R : {0.02, 0.1, 0.25, 0.6, 2.0}) {
      const double want = project(tracer, R, [&](double r) { return s.sigma_r2(r); },
                                  [&](double) { return beta; });
      worst_los = std::max(worst_los, rel(s.sigma_los2(R), want));
    }
    EXPECT_LT(worst, kTolerance) << "beta " << beta;
    EXPECT_LT(worst_los, kTolerance) << "beta " << beta;
    std::printf("NFW beta %.1f: sigma_r^2 %.2e, sigma_los^2 %.2e\n", beta, worst, worst_los);
  }
}

TEST(DwarfJeans, GaussLegendreIntegratesPolynomialsExactly) {
  std::vector<double> x, w;
  for (int n : {1, 2, 5, 8, 13}) {
    gauss_legendre(n, &x, &w);
    for (int degree = 0; degree <= 2 * n - 1; ++degree) {
      double sum = 0;
      for (int i = 0; i < n; ++i) sum += w[i] * std::pow(x[i], degree);
      const double want = degree % 2 ? 0.0 : 2.0 / (degree + 1);
      EXPECT_NEAR(sum, want, 1e-14) << n << " " << degree;
    }
  }
}

TEST(DwarfJeans, InvalidInputsAreErrors) {
  JeansConfig c;
  c.grid_points = 2;
  EXPECT_NE(error_message([&] { JeansSolver solver(c); }).find("grid_points = 2"), std::string::npos);
  EXPECT_NE(error_message([] { Anisotropy::constant(1.5); }).find("beta = 1.5"), std::string::npos);
  EXPECT_NE(error_message([] { Anisotropy::osipkov_merritt(0); }).find("anisotropy radius"), std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators
