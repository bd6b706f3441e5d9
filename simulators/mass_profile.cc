#include "simulators/mass_profile.h"

#include <boost/math/quadrature/tanh_sinh.hpp>
#include <cmath>
#include <string>

#include "core/error.h"

namespace sbi::simulators {
namespace {

constexpr double kSeriesTolerance = 1e-17;  // relative size of the last term kept
constexpr int kMaxSeriesTerms = 400;        // 2^-k convergence needs ~55; a guard only

// Σ_k y^(a+k)/(a+k) for 0 <= y <= 1/2.
double series_low(double y, double a) {
  if (y <= 0) return 0.0;
  double sum = 0, yk = 1;
  for (int k = 0; k < kMaxSeriesTerms; ++k) {
    const double term = yk / (a + k);
    sum += term;
    if (term < kSeriesTolerance * sum) break;
    yk *= y;
  }
  return std::pow(y, a) * sum;
}

// ∫_{1/2}^{y} t^(a-1)/(1-t) dt for 1/2 < y < 1, with w = 1 - t:
// ln(1/(2w_y)) + Σ_{k>=1} c_k (2^-k - w_y^k)/k, c_k = c_{k-1} (k - a)/k.
double series_high_part(double y, double a) {
  const double w = 1.0 - y;
  double sum = std::log(0.5 / w);
  double c = 1, half_k = 1, w_k = 1;
  for (int k = 1; k < kMaxSeriesTerms; ++k) {
    c *= (k - a) / k;
    half_k *= 0.5;
    w_k *= w;
    const double term = c * (half_k - w_k) / k;
    sum += term;
    if (c == 0.0 || (k > a && std::abs(term) < kSeriesTolerance * std::abs(sum))) break;
  }
  return sum;
}

void check_gamma(double gamma, const char* function) {
  core::check(std::isfinite(gamma) && gamma < 3,
              std::string(function) + ": gamma = " + std::to_string(gamma) +
                  " must be finite and < 3 (the enclosed mass diverges at the centre otherwise)");
}

}  // namespace

double MassProfile::enclosed_mass(double r) const { return enclosed_mass_by_quadrature(*this, r); }

double enclosed_mass_by_quadrature(const MassProfile& profile, double r) {
  core::check(r >= 0 && std::isfinite(r), "enclosed_mass_by_quadrature: r must be finite and >= 0");
  if (r == 0) return 0.0;
  // M(r) = 4π r³ ∫_0^1 t² ρ(r t) dt; tanh-sinh handles the integrable t^(2-γ) endpoint.
  boost::math::quadrature::tanh_sinh<double> integrator;
  // Below t = 1e-100 the integrand (~t^(2-γ)) contributes nothing; skipping it avoids
  // 0 × ∞ when t² underflows while a cusp's ρ(r t) overflows.
  const double integral = integrator.integrate(
      [&](double t) { return t < 1e-100 ? 0.0 : t * t * profile.density(r * t); }, 0.0, 1.0);
  return 4 * M_PI * r * r * r * integral;
}

PlummerMass::PlummerMass(double total_mass, double scale_radius)
    : mass_(total_mass), a_(scale_radius) {
  core::check(std::isfinite(total_mass) && total_mass > 0 && std::isfinite(scale_radius) &&
                  scale_radius > 0,
              "PlummerMass: total mass and scale radius must be finite and > 0");
}

double PlummerMass::density(double r) const {
  const double u = 1 + (r * r) / (a_ * a_);
  return 3 * mass_ / (4 * M_PI * a_ * a_ * a_) / (u * u * std::sqrt(u));
}

double PlummerMass::enclosed_mass(double r) const {
  const double u = r * r + a_ * a_;
  return mass_ * r * r * r / (u * std::sqrt(u));
}

GeneralizedNfw::GeneralizedNfw(double rho0, double scale_radius, double gamma)
    : rho0_(rho0), rs_(scale_radius), gamma_(gamma) {
  core::check(std::isfinite(rho0) && rho0 > 0, "GeneralizedNfw: rho0 must be finite and > 0");
  core::check(std::isfinite(scale_radius) && scale_radius > 0,
              "GeneralizedNfw: scale radius must be finite and > 0");
  check_gamma(gamma, "GeneralizedNfw");
  mass_unit_ = 4 * M_PI * rho0 * rs_ * rs_ * rs_;
  const double a = 3 - gamma;
  m_half_ = series_low(0.5, a);
  double c = 1;
  high_coef_[0] = 0;
  for (int k = 0; k < kTerms; ++k) {
    low_coef_[k] = 1 / (a + k);
    if (k > 0) {
      c *= (k - a) / k;
      high_coef_[k] = c / k;
    }
  }
}

double GeneralizedNfw::density(double r) const {
  const double x = r / rs_;
  return rho0_ * std::pow(x, -gamma_) * std::pow(1 + x, gamma_ - 3);
}

double GeneralizedNfw::enclosed_mass(double r) const {
  const double x = r / rs_;
  if (gamma_ == 0.0 || gamma_ == 1.0 || gamma_ == 2.0)
    return mass_unit_ * dimensionless_mass(x, gamma_);
  // The series of dimensionless_mass_series with this γ's coefficients tabulated (no
  // divisions in the loops): the Jeans solver calls this ~600 times per galaxy.
  const double y = x / (1 + x);
  if (y <= 0.5) {
    double sum = 0, yk = 1;
    for (int k = 0; k < kTerms; ++k) {
      const double term = yk * low_coef_[k];
      sum += term;
      if (term < kSeriesTolerance * sum) break;
      yk *= y;
    }
    return mass_unit_ * std::pow(y, 3 - gamma_) * sum;
  }
  const double w = 1 - y;
  double sum = std::log(0.5 / w), half_k = 1, w_k = 1;
  for (int k = 1; k < kTerms; ++k) {
    half_k *= 0.5;
    w_k *= w;
    const double term = high_coef_[k] * (half_k - w_k);
    sum += term;
    if (std::abs(term) < kSeriesTolerance * std::abs(sum) && k > 3) break;
  }
  return mass_unit_ * (m_half_ + sum);
}

double GeneralizedNfw::dimensionless_mass(double x, double gamma) {
  // The closed forms cancel to O(x^(3-γ)) at small x, losing ~1e-16 / x^(2-γ) relative
  // (γ = 0: 1e-13 at x = 0.1): the series is exact there.
  if (x < 0.1) return dimensionless_mass_series(x, gamma);
  if (gamma == 1.0) return std::log1p(x) - x / (1 + x);
  if (gamma == 0.0) {
    const double u = 1 + x;
    return std::log(u) + 2 / u - 0.5 / (u * u) - 1.5;
  }
  if (gamma == 2.0) return std::log1p(x);
  return dimensionless_mass_series(x, gamma);
}

double GeneralizedNfw::dimensionless_mass_series(double x, double gamma) {
  check_gamma(gamma, "GeneralizedNfw::dimensionless_mass_series");
  core::check(x >= 0 && std::isfinite(x), "GeneralizedNfw::dimensionless_mass_series: x must be finite and >= 0");
  const double y = x / (1 + x), a = 3 - gamma;
  return y <= 0.5 ? series_low(y, a) : series_low(0.5, a) + series_high_part(y, a);
}

}  // namespace sbi::simulators
