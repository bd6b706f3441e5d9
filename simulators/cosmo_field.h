// Weak-lensing convergence maps turned into summary vectors (task "cosmo_field"): for each θ,
// a flat w0CDM cosmology, its Eisenstein & Hu linear P(k), the Limber C_ℓ of a single source
// plane and one n × n convergence map, Gaussian or lognormal, with galaxy shape noise
// (simulators/cosmology/convergence_map.h), summarised as x.
//
// Parameters θ: by default (Ωm, σ8), names "omega_m", "sigma8". `free` lists the free
// parameters in θ order, any of omega_m, sigma8, w0, h, n_s, omega_b; the others are held
// at their fixed values (Cosmology's defaults: Ωm 0.3, σ8 0.8, w0 -1, h 0.7, n_s 0.96,
// Ωb 0.05, T_cmb 2.725 K).
//
// Default prior (uniform, independent), chosen by us for this toolkit: it brackets the
// weak-lensing and CMB constraints (Planck 2018: Ωm = 0.315, σ8 = 0.811; KiDS/DES S8 ~ 0.76-0.8)
// with room for the S8 = σ8 sqrt(Ωm / 0.3) degeneracy to show:
//   Ωm ∈ [0.1, 0.5], σ8 ∈ [0.5, 1.1], and when freed w0 ∈ [-1.5, -0.5], h ∈ [0.6, 0.8],
//   n_s ∈ [0.9, 1.0], Ωb ∈ [0.03, 0.06] (below the lowest Ωm, so Ωb < Ωm always).
//
// Summaries (x), in this order, each present when named in `summary`:
//  - power: ln of the binned power spectrum of the noisy map (field_summaries.h), in
//    `power_bins` bins of ℓ log-spaced from the fundamental ℓ_f = 2π / θ_map to the Nyquist
//    ℓ_N = ℓ_f n / 2; band power = mean over the bin's modes of (θ_map² / n⁴) |κ̃_ℓ|², an
//    estimate of C_ℓ + N with the flat shape-noise spectrum N = σ_pix² A_pix (A_pix in sr).
//    Names "logC_ell_bin<b>".
//  - peaks: counts of local maxima (8 neighbours) of the map smoothed by a Gaussian of
//    `smoothing_arcmin` (0: none) in bins of S/N = κ_smoothed / σ_noise_smoothed, σ the
//    rms of the smoothed shape noise (computed exactly on the grid), edges `peak_edges`.
//    Names "peaks_snr_<lo>_<hi>". Raw counts per map.
//  - moments: ln of the variance, the skewness and the excess kurtosis of the smoothed map
//    (field_summaries.h). Names "log_kappa_var", "kappa_skew", "kappa_kurt".
//  - map: the noisy map itself, alone: x is an n x n image (core::DataShape), stored as
//    (N, n, n) in simulation files and standardised per map, not per pixel. Names
//    "kappa_<row>_<column>".
//
// Cost: each simulate() builds a ConvergenceMapSimulator for its θ (growth ODE, σ8 integral,
// C_ℓ table) and draws one map; the build dominates for maps up to 256².
#pragma once

#include <string>
#include <vector>

#include "simulators/cosmology/background.h"
#include "simulators/cosmology/convergence_map.h"
#include "simulators/simulator.h"

namespace sbi::simulators {

// Parameter names accepted in CosmoFieldConfig::free, in their canonical order.
const std::vector<std::string>& cosmo_field_parameter_names();

struct CosmoFieldConfig {
  std::vector<std::string> free = {"omega_m", "sigma8"};  // θ, in order; no repeats
  cosmology::Cosmology fixed;       // values of the parameters not in `free`
  cosmology::ConvergenceMapOptions map = default_map_options();
  bool map_summary = false;         // x is the noisy map itself, an n x n image (alone)
  bool power = true;                // the summaries in x (at least one)
  bool peaks = false;
  bool moments = false;
  int power_bins = 10;              // log-ℓ bins from ℓ_f to ℓ_N, in [1, 100]
  double smoothing_arcmin = 2.0;    // Gaussian σ of the smoothing for peaks and moments
                                    // [arcmin], >= 0 (0: the raw pixels)
  std::vector<double> peak_edges = {0, 1, 2, 3, 4, 6};  // S/N bin edges, increasing, >= 2

  // The map options the task starts from: ConvergenceMapOptions' defaults (128², 5°, z_s = 1,
  // Gaussian field, σ_e = 0.26, n_gal = 30 arcmin^-2) with a lognormal field, and the Limber
  // and σ8 quadratures cut to what the map needs (build 8x faster, C_ℓ within 1e-4 of the
  // library defaults, far below the band powers' cosmic variance).
  static cosmology::ConvergenceMapOptions default_map_options();

  bool is_valid(std::string* error) const;
};

class CosmoField final : public Simulator {
 public:
  explicit CosmoField(const CosmoFieldConfig& config = {});  // throws on an invalid config
  const CosmoFieldConfig& config() const { return config_; }

  std::string name() const override { return "cosmo_field"; }
  int theta_dim() const override { return static_cast<int>(config_.free.size()); }
  int x_dim() const override;
  // An n x n image for summary=map, else a vector of summaries.
  core::DataShape x_shape() const override;
  std::vector<std::string> parameter_names() const override { return config_.free; }
  std::vector<std::string> data_names() const override;

  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override;

  // The cosmology at θ (fixed values plus θ); throws core::Error naming the parameter when it
  // is unphysical.
  cosmology::Cosmology cosmology(const Eigen::Ref<const Eigen::VectorXd>& theta) const;
  // The power-spectrum bin edges in ℓ (power_bins + 1 values).
  const std::vector<double>& ell_edges() const { return ell_edges_; }
  // The summaries of one map (n² values, row-major) with pixel shape-noise σ_pix, into x.
  void summarize(const double* map, double noise_sigma, Eigen::Ref<Eigen::VectorXd> x) const;

 private:
  CosmoFieldConfig config_;
  std::vector<int> free_index_;     // index into cosmo_field_parameter_names() per θ entry
  std::vector<double> ell_edges_;
  std::vector<double> smoothing_;   // Gaussian window per half-complex mode (empty: none)
  double smoothing_noise_factor_ = 1;  // rms of smoothed unit white noise
};

// The default prior described above for the free parameters, in order.
core::Prior cosmo_field_prior(const std::vector<std::string>& free);

// The task: CosmoField(config) with cosmo_field_prior(config.free).
Task make_cosmo_field_task(const CosmoFieldConfig& config = {});

}  // namespace sbi::simulators
