// The spherical Jeans equation for a tracer population (stars) in a mass profile:
//
//   d(ν σ_r²)/dr + 2 β(r) ν σ_r² / r = -ν G M(r) / r²,      ν σ_r² -> 0 as r -> ∞,
//
// solved once per galaxy on a log-radius grid with the integrating factor
// f(r) = exp ∫ 2β/r dr (f = r^(2β) for constant β, f = r² + r_a² for Osipkov–Merritt):
//
//   ν σ_r²(r) = (1 / f(r)) ∫_r^∞ f(r') ν(r') G M(r') / r'² dr',
//
// integrated inward from the outer grid edge (Gauss–Legendre in ln r on each grid interval,
// plus the analytic power-law tail beyond it). ln σ_r² is stored at the grid points with its
// exact log-slope from the equation itself,
//
//   d ln σ_r² / d ln r = -2β(r) - G M(r) / (r σ_r²) - d ln ν / d ln r,
//
// so that cubic Hermite interpolation between grid points is O(h⁴) accurate.
// The line-of-sight dispersion is the Abel-type projection (Binney & Mamon 1982)
//
//   Σ(R) σ_los²(R) = 2 ∫_R^∞ (1 - β(r) R²/r²) ν σ_r² r dr / sqrt(r² - R²),
//
// integrated with r = R cosh u (which removes the endpoint singularity).
//
// Units: r, R in kpc; M in M_sun; σ in km/s; G = 4.30091e-6 kpc (km/s)² / M_sun. The tracer
// density ν is normalised to one star in total (its units cancel in σ²).
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "simulators/mass_profile.h"

namespace sbi::simulators {

// Newton's constant in kpc (km/s)² / M_sun.
constexpr double kGravitationalConstant = 4.30091e-6;

// Plummer number density of the stars, scale radius a [kpc], normalised to 1:
//   ν(r) = 3 / (4π a³) (1 + r²/a²)^(-5/2),   Σ(R) = a² / (π (a² + R²)²),
// fraction inside r: r³ / (r² + a²)^(3/2). The half-light (projected) radius equals a.
class PlummerTracer {
 public:
  explicit PlummerTracer(double scale_radius);  // throws unless finite and > 0
  double scale_radius() const { return a_; }
  double density(double r) const;               // ν [kpc^-3]
  double surface_density(double R) const;       // Σ [kpc^-2]
  double log_slope(double r) const;             // d ln ν / d ln r = -5 r² / (r² + a²)
  // The 3-D radius [kpc] at cumulative fraction u ∈ (0, 1): a / sqrt(u^(-2/3) - 1).
  double radius_at_fraction(double u) const;

 private:
  double a_;
};

// Velocity anisotropy β(r) = 1 - σ_t² / σ_r² (σ_t: one tangential component).
class Anisotropy {
 public:
  enum class Kind { kConstant, kOsipkovMerritt };
  // β(r) = beta everywhere; beta <= 1 and finite.
  static Anisotropy constant(double beta);
  // Osipkov (1979) – Merritt (1985): β(r) = r² / (r² + r_a²), anisotropy radius r_a [kpc] > 0.
  static Anisotropy osipkov_merritt(double anisotropy_radius);

  Kind kind() const { return kind_; }
  double value() const { return value_; }  // β (constant) or r_a [kpc] (Osipkov–Merritt)
  double beta(double r) const;
  // ln f(r), f = exp ∫ 2β/r dr, up to an additive constant.
  double log_integrating_factor(double r) const;

 private:
  Anisotropy(Kind kind, double value) : kind_(kind), value_(value) {}
  Kind kind_;
  double value_;
};

// Accuracy knobs of the solver (GalSim's GSParams, for Jeans models). The defaults give
// σ_r² to ~1e-7 relative and σ_los² to ~1e-7 relative for the Plummer sphere (tests check 1e-4).
struct JeansConfig {
  int grid_points = 128;        // log-radius grid points (Hermite interpolation between them)
  double r_min_factor = 1e-3;   // grid from r_min_factor × a (tracer scale radius) ...
  double r_max_factor = 1e3;    // ... to r_max_factor × a; outside, ln σ_r² is extrapolated
                                // linearly in ln r with the end slope
  int quadrature_order = 4;     // Gauss–Legendre nodes per grid interval (Jeans integral)
  int projection_panels = 64;   // Gauss–Legendre panels in u for σ_los² (not used to simulate)
  double projection_extent = 1e4;  // σ_los²(R) integrates out to r = projection_extent × max(R, a)

  bool is_valid(std::string* error) const;
};

// Gauss–Legendre nodes and weights on [-1, 1] (Newton on P_n; exact for degree 2n-1).
void gauss_legendre(int n, std::vector<double>* nodes, std::vector<double>* weights);

// The solution for one galaxy. Immutable after solve(); all queries are const.
class JeansSolution {
 public:
  double sigma_r2(double r) const;        // σ_r² [(km/s)²] at r [kpc] > 0
  double sigma_t2(double r) const;        // σ_t² = (1 - β(r)) σ_r², one tangential component
  double nu_sigma_r2(double r) const;     // ν σ_r² [(km/s)² kpc^-3]
  double sigma_los2(double R) const;      // projected σ_los² [(km/s)²] at R [kpc] > 0

  const PlummerTracer& tracer() const { return tracer_; }
  const Anisotropy& anisotropy() const { return anisotropy_; }
  // The grid: ln r_i and ln σ_r²(r_i).
  const Eigen::VectorXd& log_r() const { return log_r_; }
  const Eigen::VectorXd& log_sigma_r2() const { return log_s2_; }

  // ln σ_r² at ln r by cubic Hermite interpolation (linear extrapolation outside the grid).
  double interpolate_log_sigma_r2(double log_r) const;

 private:
  friend class JeansSolver;
  JeansSolution(const PlummerTracer& tracer, const Anisotropy& anisotropy)
      : tracer_(tracer), anisotropy_(anisotropy) {}

  PlummerTracer tracer_;
  Anisotropy anisotropy_;
  JeansConfig config_;
  double log_r0_ = 0, h_ = 1;  // ln r_0 and the grid step in ln r
  Eigen::VectorXd log_r_, log_s2_, slope_;  // slope_: d ln σ_r² / d ln r at the grid points
};

// Solves the Jeans equation; holds the configuration and quadrature nodes only, so one
// solver serves all threads.
class JeansSolver {
 public:
  explicit JeansSolver(const JeansConfig& config = {});  // throws on an invalid config
  const JeansConfig& config() const { return config_; }

  // The grid runs over [r_min_factor, r_max_factor] × tracer.scale_radius().
  JeansSolution solve(const MassProfile& mass, const PlummerTracer& tracer,
                      const Anisotropy& anisotropy) const;

 private:
  JeansConfig config_;
  std::vector<double> nodes_, weights_;
};

}  // namespace sbi::simulators
