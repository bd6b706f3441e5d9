// Weak-lensing convergence: the Limber integral against an independent quadrature in a case
// with a closed-form background (Einstein–de Sitter, constant P), the empty-beam convergence,
// C_ℓ measured from simulated maps against the Limber prediction within cosmic variance,
// the shape-noise level, lognormal maps, and bad options.
#include "simulators/cosmology/convergence.h"

#include <gtest/gtest.h>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>
#include <functional>

#include "simulators/cosmology/convergence_map.h"
#include "simulators/cosmology/field_summaries.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

// Einstein–de Sitter: a(χ) = (1 - χ / (2 c/H0))², q(χ) = (3/2)(H0/c)² χ (χs - χ) / (χs a).
TEST(CosmologyConvergence, LimberMatchesIndependentQuadrature) {
  Cosmology c;
  c.omega_m = 1.0;
  const Background bg(c);
  const double zs = 1.0, p0 = 2.5e3;
  const double rh = kHubbleDistance;
  const double chis = 2 * rh * (1 - 1 / std::sqrt(1 + zs));
  auto q = [&](double chi) {
    const double a = std::pow(1 - chi / (2 * rh), 2);
    return 1.5 / (rh * rh) * chi * (chis - chi) / (chis * a);
  };
  using boost::math::quadrature::gauss_kronrod;
  const double expected_cl =
      p0 * gauss_kronrod<double, 61>::integrate([&](double x) { return q(x) * q(x) / (x * x); }, 0,
                                                chis, 10, 1e-14);
  const double expected_empty = -gauss_kronrod<double, 61>::integrate(q, 0, chis, 10, 1e-14);
  LimberOptions o;
  o.k_min = 0;
  o.k_max = 1e300;  // constant P: no k range to respect
  const ConvergenceSpectrum cl(bg, [&](double, double) { return p0; }, zs, o);
  // 48 panels × 8-point Gauss–Legendre on a smooth integrand: ~1e-14; 1e-10 for rounding.
  for (double ell : {10.0, 1000.0}) EXPECT_NEAR(cl(ell) / expected_cl, 1.0, 1e-10);
  EXPECT_NEAR(cl.empty_beam_convergence() / expected_empty, 1.0, 1e-10);
  EXPECT_NEAR(cl.source_distance(), chis, 1e-10 * chis);
}

TEST(CosmologyConvergence, LimberScalesWithPowerAndTruncatesAtKMax) {
  // With P ∝ k^-2 and no growth (P(k, z) = k^-2), C_ℓ ∝ (ℓ + 1/2)^-2 exactly.
  const Background bg(Cosmology{});
  LimberOptions o;
  o.k_min = 0;
  o.k_max = 1e300;
  const ConvergenceSpectrum cl(bg, [](double k, double) { return 1.0 / (k * k); }, 1.0, o);
  EXPECT_NEAR(cl(100) / cl(1000), std::pow(1000.5 / 100.5, 2), 1e-12);
  // The linear spectrum: the part left out below χ_min = (ℓ + 1/2) / k_max is documented as
  // ~15 (χ_min / χs)⁴ of C_ℓ (integrand ∝ χ³ (χs - χ)² near the observer, P ∝ k^-3 up to
  // logarithms). Check that estimate on the difference between k_max = 100 and 30 h/Mpc at
  // ℓ = 1e4, within a factor 2 (the logarithms of P).
  const LinearPowerSpectrum p(Cosmology{});
  LimberOptions cut;
  cut.k_max = 30;
  const ConvergenceSpectrum full(p, 1.0), less(p, 1.0, cut);
  const double chis = full.source_distance();
  const double estimate = 15 * (std::pow(1e4 / 30 / chis, 4) - std::pow(1e4 / 100 / chis, 4));
  const double measured = full(1e4) / less(1e4) - 1;
  std::printf("[ Limber truncation at l = 1e4: measured %.2e, estimate %.2e ]\n", measured, estimate);
  EXPECT_GT(measured, 0.5 * estimate);
  EXPECT_LT(measured, 2.0 * estimate);
  EXPECT_GT(full(1e4), less(1e4));
}

// Measured C_ℓ of noiseless Gaussian maps against the interpolated Limber C_ℓ the maps were
// drawn with, averaged over the modes of each bin. The bin average of one map has variance
// Σ_u c_u² Var(P̂_u) / modes² with c_u = 2 for the independent pairs (exponential, Var = C²),
// i.e. about C² / (modes / 2) (field_summaries.h); the χ² over B bins with R maps then
// follows χ²_B (R × modes / 2 >= 48 exponentials per bin); bound B + 4 sqrt(2B), exceeded
// with probability ~3e-4; fixed seed.
TEST(CosmologyConvergence, MapPowerMatchesLimberWithinCosmicVariance) {
  ConvergenceMapOptions o;
  o.pixels = 64;
  o.side_deg = 5.0;
  o.shape_noise = 0;
  const ConvergenceMapSimulator sim(Cosmology{}, o);
  // The spline through ~40 ℓ per decade reproduces the direct Limber integral.
  double worst_spline = 0;
  for (double ell : {80.0, 333.0, 1234.5, 4000.0}) {
    worst_spline = std::max(worst_spline, std::abs(sim.cl(ell) / sim.spectrum()(ell) - 1));
  }
  EXPECT_LT(worst_spline, 1e-5);
  const double kf = sim.grid().fundamental();  // 72 for 5 degrees
  std::vector<double> edges;
  for (int i = 0; i <= 10; ++i) edges.push_back(kf * (1 + 3.0 * i));
  const int bins = 10, maps = 24;
  std::vector<double> sum(bins, 0.0), map(sim.grid().cells());
  FftWorkspace work, measure;
  BinnedPowerSpectrum first;
  for (int r = 0; r < maps; ++r) {
    core::Rng rng(17, r);
    sim.sample(&rng, &work, map.data());
    const auto b = binned_power_spectrum(map.data(), o.pixels, sim.grid().side, edges, &measure);
    for (int i = 0; i < bins; ++i) sum[i] += b.power[i];
    if (r == 0) first = b;
  }
  // Expected mean and variance per bin from the same mode loop as the estimator.
  std::vector<double> mean(bins, 0.0), var(bins, 0.0);
  const int n = o.pixels;
  for (int i = 0; i < n; ++i) {
    const int fi = i <= n / 2 ? i : i - n;
    for (int j = 0; j <= n / 2; ++j) {
      const double ell = kf * std::sqrt(double(fi * fi + j * j));
      if ((i == 0 && j == 0) || ell < edges.front() || ell >= edges.back()) continue;
      const int b = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), ell) - edges.begin()) - 1;
      const int m = (j == 0 || j == n / 2) ? 1 : 2;
      const double c = sim.cl(ell);
      mean[b] += m * c;
      var[b] += (m == 2 ? 4 : 2) * c * c;
    }
  }
  double chi2 = 0;
  for (int b = 0; b < bins; ++b) {
    mean[b] /= first.modes[b];
    var[b] /= double(first.modes[b]) * first.modes[b];
    const double d = sum[b] / maps - mean[b];
    chi2 += d * d / (var[b] / maps);
  }
  std::printf("[ convergence C_l of %d maps: chi2 = %.2f for %d dof; spline vs Limber %.1e ]\n",
              maps, chi2, bins, worst_spline);
  EXPECT_LT(chi2, bins + 4 * std::sqrt(2.0 * bins));
}

TEST(CosmologyConvergence, ShapeNoisePerPixel) {
  // Same Rng stream with and without noise: the field uses the first n² normals either way,
  // so the difference is the noise alone; its sample variance over N = n² pixels has relative
  // standard error sqrt(2 / N) (= 0.011 for 128²); bound 4 of those.
  ConvergenceMapOptions o;
  o.pixels = 128;
  o.side_deg = 4.0;
  o.shape_noise = 0.3;
  o.galaxy_density = 20;
  const ConvergenceMapSimulator noisy(Cosmology{}, o);
  o.shape_noise = 0;
  const ConvergenceMapSimulator clean(Cosmology{}, o);
  const double pixel_arcmin = 4.0 * 60 / 128;
  const double expected = 0.3 / std::sqrt(20 * pixel_arcmin * pixel_arcmin);
  EXPECT_NEAR(noisy.noise_sigma(), expected, 1e-15);
  core::Rng a(1, 0), b(1, 0);
  const Eigen::VectorXd with = noisy.sample(&a), without = clean.sample(&b);
  const double var = (with - without).squaredNorm() / with.size();
  const double n = static_cast<double>(with.size());
  EXPECT_NEAR(var / (expected * expected), 1.0, 4 * std::sqrt(2 / n));
}

TEST(CosmologyConvergence, LognormalMapsHaveTheShiftAndMoments) {
  ConvergenceMapOptions o;
  o.pixels = 64;
  o.side_deg = 5.0;
  o.shape_noise = 0;
  o.field = FieldKind::kLognormal;
  const ConvergenceMapSimulator sim(Cosmology{}, o);
  // Default shift: the empty-beam convergence, ~0.06 for Ωm = 0.3, z_s = 1.
  EXPECT_NEAR(sim.shift(), std::abs(sim.spectrum().empty_beam_convergence()), 1e-15);
  EXPECT_GT(sim.shift(), 0.03);
  EXPECT_LT(sim.shift(), 0.1);
  const int maps = 24;
  std::vector<double> means, second;
  double skew = 0, lowest = 1;
  for (int r = 0; r < maps; ++r) {
    core::Rng rng(23, r);
    const Eigen::VectorXd m = sim.sample(&rng);
    means.push_back(m.mean());
    second.push_back(m.squaredNorm() / m.size());
    skew += one_point_moments(m.data(), m.size()).skewness / maps;
    lowest = std::min(lowest, m.minCoeff());
  }
  auto mean_se = [](const std::vector<double>& x, double* se) {
    double m = 0, v = 0;
    for (double a : x) m += a;
    m /= x.size();
    for (double a : x) v += (a - m) * (a - m);
    *se = std::sqrt(v / (x.size() - 1) / x.size());
    return m;
  };
  double se_mean = 0, se_var = 0;
  const double mean = mean_se(means, &se_mean), var = mean_se(second, &se_var);
  std::printf("[ lognormal kappa: mean %.1e ± %.1e, variance %.3e ± %.1e (expected %.3e), "
              "skewness %.2f, min %.4f >= -%.4f ]\n",
              mean, se_mean, var, se_var, sim.signal_variance(), skew, lowest, sim.shift());
  // 4 standard errors across independent maps (as in the lognormal field test).
  EXPECT_NEAR(mean, 0.0, 4 * se_mean);
  EXPECT_NEAR(var, sim.signal_variance(), 4 * se_var);
  EXPECT_GE(lowest, -sim.shift());
  EXPECT_GT(skew, 0.0);
}

TEST(CosmologyConvergence, RejectsEachInvalidOption) {
  struct Case {
    std::function<void(ConvergenceMapOptions*)> set;
    const char* expected;
  };
  const Case cases[] = {
      {[](ConvergenceMapOptions* o) { o->pixels = 7; }, "ConvergenceMapOptions::pixels = 7 must be even"},
      {[](ConvergenceMapOptions* o) { o->side_deg = 0; }, "ConvergenceMapOptions::side_deg = 0.000000"},
      {[](ConvergenceMapOptions* o) { o->side_deg = 45; }, "must be in (0, 20] (flat sky)"},
      {[](ConvergenceMapOptions* o) { o->source_redshift = -1; }, "ConvergenceMapOptions::source_redshift"},
      {[](ConvergenceMapOptions* o) { o->lognormal_shift = -0.1; }, "ConvergenceMapOptions::lognormal_shift"},
      {[](ConvergenceMapOptions* o) { o->shape_noise = -0.3; }, "ConvergenceMapOptions::shape_noise"},
      {[](ConvergenceMapOptions* o) { o->galaxy_density = 0; }, "ConvergenceMapOptions::galaxy_density"},
      {[](ConvergenceMapOptions* o) { o->ell_points_per_decade = 2; }, "ell_points_per_decade = 2"},
      {[](ConvergenceMapOptions* o) { o->limber.panels = 0; }, "ConvergenceMapOptions::limber: LimberOptions::panels = 0"},
      {[](ConvergenceMapOptions* o) { o->power.panels_per_decade = 0; }, "ConvergenceMapOptions::power: PowerSpectrumOptions::panels_per_decade = 0"},
  };
  for (const Case& k : cases) {
    ConvergenceMapOptions o;
    k.set(&o);
    const std::string e = error_message([&] { ConvergenceMapSimulator s(Cosmology{}, o); });
    EXPECT_EQ(e.rfind("ConvergenceMapSimulator: ", 0), 0u) << e;
    EXPECT_NE(e.find(k.expected), std::string::npos) << e;
  }
  const Background bg(Cosmology{});
  EXPECT_NE(error_message([&] { ConvergenceSpectrum c(bg, [](double, double) { return 1.0; }, 0.0); })
                .find("ConvergenceSpectrum: source_redshift = 0"),
            std::string::npos);
  const ConvergenceSpectrum c(bg, [](double, double) { return 1.0; }, 1.0);
  EXPECT_NE(error_message([&] { c(0.5); }).find("ell = 0.5"), std::string::npos);
  const LinearPowerSpectrum p(Cosmology{});
  LimberOptions wide;
  wide.k_max = 1e3;
  EXPECT_NE(error_message([&] { ConvergenceSpectrum s(p, 1.0, wide); }).find("must lie inside [1e-05, 100]"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
