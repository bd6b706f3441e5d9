// The σ8-normalised linear power spectrum: σ8 recomputed from P(k) by an independent adaptive
// quadrature equals the input; P scales with D(z)²; the k range outside the fit is refused.
#include "simulators/cosmology/power_spectrum.h"

#include <gtest/gtest.h>

#include <boost/math/quadrature/gauss_kronrod.hpp>
#include <cmath>

#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

// The tolerance. The library's fixed Gauss–Legendre panels (40 per decade, 8 nodes)
// and the adaptive Gauss–Kronrod below (relative tolerance 1e-12) agree to ~1e-10.
constexpr double kSigma8Tolerance = 1e-6;

// σ²(R) = (1/2π²) ∫ k³ P(k) W²(kR) d ln k by adaptive 61-point Gauss–Kronrod in ln k over the
// fit's range, a tenth of a decade at a time (W² oscillates above k ~ 1 h/Mpc); a shallow
// recursion (the far tail is ~1e-12 of the total and cannot meet a relative tolerance).
double sigma_independent(const LinearPowerSpectrum& p, double radius, double z) {
  auto integrand = [&](double lnk) {
    const double k = std::exp(lnk);
    const double x = k * radius;
    const double w = 3 * (std::sin(x) - x * std::cos(x)) / (x * x * x);
    return k * k * k * p(k, z) * w * w;
  };
  double sum = 0;
  for (int tenth = -50; tenth < 20; ++tenth) {
    sum += boost::math::quadrature::gauss_kronrod<double, 61>::integrate(
        integrand, 0.1 * tenth * std::log(10.0), 0.1 * (tenth + 1) * std::log(10.0), 4, 1e-12);
  }
  return std::sqrt(sum / (2 * M_PI * M_PI));
}

TEST(CosmologyPowerSpectrum, Sigma8RecomputedEqualsTheInput) {
  for (TransferForm form : {TransferForm::kWithBaryons, TransferForm::kNoWiggle}) {
    for (double s8 : {0.6, 0.8, 1.1}) {
      Cosmology c;
      c.sigma8 = s8;
      c.omega_m = 0.27;
      c.n_s = 0.95;
      PowerSpectrumOptions o;
      o.transfer = form;
      const LinearPowerSpectrum p(c, o);
      const double recomputed = sigma_independent(p, 8.0, 0.0);
      EXPECT_NEAR(recomputed / s8, 1.0, kSigma8Tolerance) << transfer_form_name(form);
      EXPECT_NEAR(p.sigma_r(8.0) / s8, 1.0, 1e-12);
      std::printf("[ %s sigma8 = %.2f: recomputed / input - 1 = %.2e ]\n",
                  transfer_form_name(form).c_str(), s8, recomputed / s8 - 1);
    }
  }
}

TEST(CosmologyPowerSpectrum, ScalesWithGrowthSquared) {
  const LinearPowerSpectrum p(Cosmology{});
  for (double z : {0.5, 2.0}) {
    const double d = p.growth().normalised_at_z(z);
    for (double k : {1e-3, 0.1, 10.0}) EXPECT_NEAR(p(k, z), p(k) * d * d, 1e-14 * p(k));
    EXPECT_NEAR(p.sigma_r(8.0, z), 0.8 * d, 1e-12);
  }
  // On large scales P ∝ k^n_s (T -> 1): the ratio at 1e-5 and 1e-4 h/Mpc is 10^-n_s up to
  // T(1e-4)^-2 - 1 ~ 2e-4 (reference table: T(1e-4) = 0.99991).
  EXPECT_NEAR(p(1e-5) / p(1e-4), std::pow(10.0, -0.96), 3e-4 * std::pow(10.0, -0.96));
}

TEST(CosmologyPowerSpectrum, RefusesWavenumbersOutsideTheFit) {
  const LinearPowerSpectrum p(Cosmology{});
  // The documented choice: [1e-5, 100] h/Mpc, the range where the Eisenstein & Hu fit is used.
  for (double k : {150.0, 1e3, 5e-6, 0.0}) {
    EXPECT_EQ(error_message([&] { p(k); }).find("LinearPowerSpectrum: k = "), 0u);
    EXPECT_NE(error_message([&] { p(k); }).find("outside the fitting formula's range [1e-05, 100] h/Mpc"),
              std::string::npos);
  }
  EXPECT_NE(error_message([&] { p(0.1, -0.5); }).find("z = -0.5"), std::string::npos);
  EXPECT_NE(error_message([&] { p.sigma_r(0); }).find("radius = 0"), std::string::npos);
  PowerSpectrumOptions o;
  o.panels_per_decade = 1;
  EXPECT_NE(error_message([&] { LinearPowerSpectrum q(Cosmology{}, o); })
                .find("LinearPowerSpectrum: PowerSpectrumOptions::panels_per_decade = 1"),
            std::string::npos);
  Cosmology c;
  c.sigma8 = -1;
  EXPECT_NE(error_message([&] { LinearPowerSpectrum q(c); }).find("Cosmology::sigma8 = -1"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
