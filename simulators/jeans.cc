#include "simulators/jeans.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"

namespace sbi::simulators {

PlummerTracer::PlummerTracer(double scale_radius) : a_(scale_radius) {
  core::check(std::isfinite(scale_radius) && scale_radius > 0,
              "PlummerTracer: scale radius must be finite and > 0");
}

double PlummerTracer::density(double r) const {
  const double u = 1 + (r * r) / (a_ * a_);
  return 3 / (4 * M_PI * a_ * a_ * a_) / (u * u * std::sqrt(u));
}

double PlummerTracer::surface_density(double R) const {
  const double u = a_ * a_ + R * R;
  return a_ * a_ / (M_PI * u * u);
}

double PlummerTracer::log_slope(double r) const { return -5 * r * r / (r * r + a_ * a_); }

double PlummerTracer::radius_at_fraction(double u) const {
  return a_ / std::sqrt(std::pow(u, -2.0 / 3.0) - 1);
}

Anisotropy Anisotropy::constant(double beta) {
  core::check(std::isfinite(beta) && beta <= 1,
              "Anisotropy::constant: beta = " + std::to_string(beta) + " must be finite and <= 1");
  return Anisotropy(Kind::kConstant, beta);
}

Anisotropy Anisotropy::osipkov_merritt(double anisotropy_radius) {
  core::check(std::isfinite(anisotropy_radius) && anisotropy_radius > 0,
              "Anisotropy::osipkov_merritt: the anisotropy radius must be finite and > 0");
  return Anisotropy(Kind::kOsipkovMerritt, anisotropy_radius);
}

double Anisotropy::beta(double r) const {
  if (kind_ == Kind::kConstant) return value_;
  return r * r / (r * r + value_ * value_);
}

double Anisotropy::log_integrating_factor(double r) const {
  // constant: ∫ 2β/r dr = 2β ln r;  OM: ∫ 2r/(r² + r_a²) dr = ln(r² + r_a²).
  if (kind_ == Kind::kConstant) return 2 * value_ * std::log(r);
  return std::log(r * r + value_ * value_);
}

bool JeansConfig::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "JeansConfig::" + what;
    return false;
  };
  if (grid_points < 4) return fail("grid_points = " + std::to_string(grid_points) + " must be >= 4");
  if (!(r_min_factor > 0 && r_max_factor > r_min_factor && std::isfinite(r_max_factor)))
    return fail("r_min_factor and r_max_factor must satisfy 0 < r_min_factor < r_max_factor < inf");
  if (quadrature_order < 1 || quadrature_order > 64)
    return fail("quadrature_order = " + std::to_string(quadrature_order) + " must be in 1..64");
  if (projection_panels < 1)
    return fail("projection_panels = " + std::to_string(projection_panels) + " must be >= 1");
  if (!(projection_extent > 1 && std::isfinite(projection_extent)))
    return fail("projection_extent must be finite and > 1");
  return true;
}

void gauss_legendre(int n, std::vector<double>* nodes, std::vector<double>* weights) {
  core::check(n >= 1, "gauss_legendre: n must be >= 1");
  nodes->assign(n, 0.0);
  weights->assign(n, 0.0);
  for (int i = 0; i < (n + 1) / 2; ++i) {
    double x = std::cos(M_PI * (i + 0.75) / (n + 0.5));  // Tricomi's initial guess
    double dp = 1;
    for (int iter = 0; iter < 100; ++iter) {
      // P_n(x) and P_n'(x) by the three-term recurrence.
      double p0 = 1, p1 = x;
      for (int k = 2; k <= n; ++k) {
        const double p2 = ((2 * k - 1) * x * p1 - (k - 1) * p0) / k;
        p0 = p1;
        p1 = p2;
      }
      dp = n * (x * p1 - p0) / (x * x - 1);  // P_n' from P_n = p1 and P_{n-1} = p0
      const double dx = p1 / dp;
      x -= dx;
      if (std::abs(dx) < 1e-16) break;
    }
    (*nodes)[i] = -x;
    (*nodes)[n - 1 - i] = x;
    const double w = 2 / ((1 - x * x) * dp * dp);
    (*weights)[i] = (*weights)[n - 1 - i] = w;
  }
}

JeansSolver::JeansSolver(const JeansConfig& config) : config_(config) {
  std::string error;
  if (!config.is_valid(&error)) throw core::Error("JeansSolver: " + error);
  gauss_legendre(config.quadrature_order, &nodes_, &weights_);
}

JeansSolution JeansSolver::solve(const MassProfile& mass, const PlummerTracer& tracer,
                                 const Anisotropy& anisotropy) const {
  JeansSolution s(tracer, anisotropy);
  s.config_ = config_;
  const int n = config_.grid_points;
  const double a = tracer.scale_radius();
  s.log_r0_ = std::log(config_.r_min_factor * a);
  s.h_ = std::log(config_.r_max_factor / config_.r_min_factor) / (n - 1);
  s.log_r_.resize(n);
  s.log_s2_.resize(n);
  s.slope_.resize(n);
  // The integrating factor relative to its value at r = a keeps f within double range.
  const double log_f_ref = anisotropy.log_integrating_factor(a);
  auto f = [&](double r) { return std::exp(anisotropy.log_integrating_factor(r) - log_f_ref); };
  // Integrand in ln r: f ν G M / r² · r.
  auto g = [&](double log_r) {
    const double r = std::exp(log_r);
    return f(r) * tracer.density(r) * kGravitationalConstant * mass.enclosed_mass(r) / r;
  };
  const double h = s.h_;
  for (int i = 0; i < n; ++i) s.log_r_[i] = s.log_r0_ + i * h;

  // Tail beyond r_max with M(r) ≈ M(r_max), ν ∝ r^-5 and f ∝ r^(2β(r_max)):
  // ∫_R^∞ = f ν G M / R / (6 - 2β). Its share of the integral at r ~ a is ~(a/r_max)^(6-2β).
  const double r_max = std::exp(s.log_r_[n - 1]);
  double m_r = mass.enclosed_mass(r_max);
  double integral = f(r_max) * tracer.density(r_max) * kGravitationalConstant * m_r / r_max /
                    (6 - 2 * anisotropy.beta(r_max));
  for (int i = n - 1; i >= 0; --i) {
    const double r = std::exp(s.log_r_[i]);
    if (i < n - 1) {
      const double mid = s.log_r_[i] + 0.5 * h;
      double piece = 0;
      for (size_t q = 0; q < nodes_.size(); ++q) piece += weights_[q] * g(mid + 0.5 * h * nodes_[q]);
      integral += 0.5 * h * piece;
      m_r = mass.enclosed_mass(r);
    }
    const double nu = tracer.density(r);
    const double sigma2 = integral / (f(r) * nu);
    core::check(sigma2 > 0 && std::isfinite(sigma2),
                "JeansSolver::solve: sigma_r^2 is not positive and finite at r = " +
                    std::to_string(r) + " kpc (check the mass profile)");
    s.log_s2_[i] = std::log(sigma2);
    s.slope_[i] = -2 * anisotropy.beta(r) - kGravitationalConstant * m_r / (r * sigma2) -
                  tracer.log_slope(r);
  }
  return s;
}

double JeansSolution::interpolate_log_sigma_r2(double log_r) const {
  const int n = static_cast<int>(log_r_.size());
  const double t = (log_r - log_r0_) / h_;
  if (t <= 0) return log_s2_[0] + slope_[0] * (log_r - log_r_[0]);
  if (t >= n - 1) return log_s2_[n - 1] + slope_[n - 1] * (log_r - log_r_[n - 1]);
  const int i = std::min(static_cast<int>(t), n - 2);
  const double u = t - i, u2 = u * u, u3 = u2 * u;
  return (2 * u3 - 3 * u2 + 1) * log_s2_[i] + (u3 - 2 * u2 + u) * h_ * slope_[i] +
         (-2 * u3 + 3 * u2) * log_s2_[i + 1] + (u3 - u2) * h_ * slope_[i + 1];
}

double JeansSolution::sigma_r2(double r) const {
  return std::exp(interpolate_log_sigma_r2(std::log(r)));
}

double JeansSolution::sigma_t2(double r) const { return (1 - anisotropy_.beta(r)) * sigma_r2(r); }

double JeansSolution::nu_sigma_r2(double r) const { return tracer_.density(r) * sigma_r2(r); }

double JeansSolution::sigma_los2(double R) const {
  core::check(R > 0 && std::isfinite(R), "JeansSolution::sigma_los2: R must be finite and > 0");
  // r = R cosh u: dr / sqrt(r² - R²) = du, so
  // Σ σ_los² = 2 ∫_0^u_max (1 - β(r)/cosh² u) ν σ_r²(r) r du.
  std::vector<double> nodes, weights;
  gauss_legendre(config_.quadrature_order, &nodes, &weights);
  const double r_out = config_.projection_extent * std::max(R, tracer_.scale_radius());
  const double u_max = std::acosh(r_out / R);
  const double width = u_max / config_.projection_panels;
  double sum = 0;
  for (int p = 0; p < config_.projection_panels; ++p) {
    const double mid = (p + 0.5) * width;
    for (size_t q = 0; q < nodes.size(); ++q) {
      const double u = mid + 0.5 * width * nodes[q];
      const double c = std::cosh(u), r = R * c;
      sum += 0.5 * width * weights[q] * (1 - anisotropy_.beta(r) / (c * c)) * nu_sigma_r2(r) * r;
    }
  }
  return 2 * sum / tracer_.surface_density(R);
}

}  // namespace sbi::simulators
