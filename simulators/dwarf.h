// Dwarf-galaxy stellar kinematics (task "dwarf"): a dark-matter halo with a generalised NFW
// profile, a Plummer population of tracer stars in spherical Jeans equilibrium, and N stars
// observed in projection as (R [kpc], v_los [km/s]) with Gaussian velocity errors.
//
// Parameters θ, in this order (constant anisotropy, the default):
//   θ0 = log10 ρ0      [ρ0 in M_sun/kpc³]  halo density normalisation
//   θ1 = log10 r_s     [r_s in kpc]        halo scale radius
//   θ2 = γ                                 inner slope: ρ ∝ r^-γ for r << r_s (1 cusp, 0 core)
//   θ3 = β                                 constant velocity anisotropy 1 - σ_t²/σ_r²
//   θ4 = log10 r_star  [r_star in kpc]     Plummer scale (= projected half-light) radius
// With AnisotropyModel::kOsipkovMerritt, θ3 is instead log10(r_a / r_star): the
// Osipkov–Merritt anisotropy radius in units of r_star, β(r) = r²/(r² + r_a²).
//
// Default prior (uniform, independent), chosen by us for this toolkit:
//   log10 ρ0 ∈ [7, 9], log10 r_s ∈ [-1, 1], γ ∈ [-1, 2], β ∈ [-0.5, 0.9],
//   log10 r_star ∈ [-1, 0]    (OM: log10(r_a / r_star) ∈ [-0.3, 1.5]).
// The parametrisation is that of Nguyen et al. (2022, arXiv:2208.12825: gNFW halo, Plummer
// tracer, constant or Osipkov–Merritt anisotropy); the ranges are ours. They bracket the
// spherical Gaia Challenge mocks (Walker & Peñarrubia 2011: cusped γ = 1 and cored γ = 0
// halos with r_s ~ 1 kpc, Plummer-like light, isotropic / OM / tangential orbits, 2 km/s
// velocity errors) and the Milky Way dwarf spheroidals analysed with Jeans models such as
// GravSphere (Read et al. 2018): half-light radii 0.1–1 kpc. With 200 stars the prior gives
// line-of-sight dispersions of 2.3 / 4.1 / 9 / 23 / 100 km/s at its 5 / 25 / 50 / 75 / 95 %
// quantiles (v_err = 2 km/s included); ρ0 below 1e7 M_sun/kpc³ would mostly give galaxies
// whose dispersion is the 2 km/s measurement error. γ extends below 0 so that a core (γ = 0)
// lies inside the support rather than on its edge, where no central credible interval could
// contain it; β < 1 keeps σ_t > 0.
//
// One galaxy: solve the Jeans equation once on a log-radius grid (simulators/jeans.h), then
// per star draw the 3-D radius from the Plummer profile (inverse CDF), a random direction
// (cos θ uniform), v_r ~ N(0, σ_r²) and a tangential component v_θ ~ N(0, σ_t²) with
// σ_t² = (1 - β) σ_r², and project along z: R = r sin θ, v_los = v_r cos θ - v_θ sin θ, plus
// v_err · N(0, 1).
//
// x is a set of stars flattened row by row (see DESIGN: set data): star j occupies
// x[j W .. j W + W - 1] = (R_j, v_j) with W = 2 for a fixed number of stars, or
// (R_j, v_j, m_j) with W = 3 when the number varies per galaxy: m_j = 1 for a star and 0 for
// padding, the n present stars come first and padding rows are all zero.
#pragma once

#include <Eigen/Core>

#include "simulators/jeans.h"
#include "simulators/mass_profile.h"
#include "simulators/simulator.h"

namespace sbi::simulators {

enum class AnisotropyModel { kConstant, kOsipkovMerritt };

struct DwarfConfig {
  int num_stars = 200;     // stars per galaxy; the maximum (set size) when num_stars_min > 0
  int num_stars_min = 0;   // 0: every galaxy has num_stars stars; else n ~ U{num_stars_min ..
                           // num_stars} per galaxy, padded to num_stars with a mask
  double v_err = 2.0;      // Gaussian line-of-sight velocity error [km/s]; 0 = none
  AnisotropyModel anisotropy = AnisotropyModel::kConstant;
  JeansConfig jeans;       // accuracy knobs of the Jeans solution

  bool variable_size() const { return num_stars_min > 0 && num_stars_min < num_stars; }
  bool is_valid(std::string* error) const;
};

class DwarfKinematics final : public Simulator {
 public:
  static constexpr int kStarFeatures = 2;  // R [kpc], v_los [km/s]

  explicit DwarfKinematics(const DwarfConfig& config = {});  // throws on an invalid config
  const DwarfConfig& config() const { return config_; }

  std::string name() const override { return "dwarf"; }
  int theta_dim() const override { return 5; }
  int x_dim() const override { return config_.num_stars * row_width(); }
  // log10_rho0, log10_r_s, gamma, beta (or log10_ra_over_rstar), log10_r_star
  std::vector<std::string> parameter_names() const override;
  // R_0, v_0, [m_0,] R_1, v_1, ...
  std::vector<std::string> data_names() const override;

  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override;

  // x is a set of set_size rows of row_width() numbers; masked rows carry m_j last.
  core::DataShape x_shape() const override {
    return core::DataShape::set(set_size(), kStarFeatures, masked());
  }
  int set_size() const { return config_.num_stars; }
  bool masked() const { return config_.variable_size(); }
  int row_width() const { return kStarFeatures + (masked() ? 1 : 0); }

  // The model at θ (theta_dim entries), for tests and diagnostics.
  GeneralizedNfw halo(const Eigen::Ref<const Eigen::VectorXd>& theta) const;
  PlummerTracer tracer(const Eigen::Ref<const Eigen::VectorXd>& theta) const;
  Anisotropy anisotropy(const Eigen::Ref<const Eigen::VectorXd>& theta) const;
  JeansSolution solve(const Eigen::Ref<const Eigen::VectorXd>& theta) const;

 private:
  DwarfConfig config_;
  JeansSolver solver_;
};

// Draws stars.cols() stars of a galaxy into the columns of `stars` (2 x n: R [kpc],
// v_los [km/s]) as described at the top of this file, from `rng` only. v_err [km/s] >= 0.
void sample_stars(const JeansSolution& solution, double v_err, core::Rng* rng,
                  Eigen::Ref<Eigen::MatrixXd, 0, Eigen::OuterStride<>> stars);

// The default prior above for the given anisotropy model.
core::Prior dwarf_prior(AnisotropyModel anisotropy = AnisotropyModel::kConstant);

// The task: DwarfKinematics(config) with dwarf_prior(config.anisotropy).
Task make_dwarf_task(const DwarfConfig& config = {});

}  // namespace sbi::simulators
