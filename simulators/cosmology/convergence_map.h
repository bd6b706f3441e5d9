// Simulated weak-lensing convergence maps: a flat-sky n × n pixel map of side θ_map (degrees)
// of a single source plane, Gaussian or lognormal (gaussian_field.h, lognormal_field.h) with the
// Limber spectrum C_ℓ of convergence.h, plus Gaussian galaxy shape noise per pixel,
//
//   σ_pix = σ_e / sqrt(n_gal A_pix),      A_pix = (θ_map / n)² in arcmin²,
//
// σ_e the per-component intrinsic ellipticity dispersion and n_gal the source density.
// Flat sky: the map is a periodic square of side L = θ_map (radians) and ℓ plays the role of
// k, C_ℓ of P (so the pixel variance of the signal is Σ_{ℓ≠0} C_ℓ / L², ℓ = 2π/L (i, j)).
// C_ℓ is computed by Limber at ~40 multipoles per decade over the map's range
// [2π/L, √2 π n / L] and interpolated by a cubic spline in (ln ℓ, ln C_ℓ) (relative error
// < 1e-6 for the linear spectrum), so building a simulator costs milliseconds.
#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>

#include "core/rng.h"
#include "simulators/cosmology/convergence.h"
#include "simulators/cosmology/cubic_spline.h"
#include "simulators/cosmology/gaussian_field.h"
#include "simulators/cosmology/lognormal_field.h"
#include "simulators/cosmology/power_spectrum.h"

namespace sbi::simulators::cosmology {

enum class FieldKind { kGaussian, kLognormal };

struct ConvergenceMapOptions {
  int pixels = 128;               // n: the map has n × n pixels; even, in [4, 8192]
  double side_deg = 5.0;          // θ_map: side of the map [deg], in (0, 20] (flat sky)
  double source_redshift = 1.0;   // z_s of the single source plane, in (0, 20]
  FieldKind field = FieldKind::kGaussian;
  double lognormal_shift = 0.0;   // λ (the minimum convergence is -λ); 0 selects the
                                  // empty-beam value |κ_empty(z_s)| (convergence.h); >= 0
  double shape_noise = 0.26;      // σ_e per ellipticity component, >= 0 (0: no noise)
  double galaxy_density = 30.0;   // n_gal [arcmin^-2], > 0
  int ell_points_per_decade = 40; // C_ℓ table density, in [10, 1000]
  FftPlanning planning = FftPlanning::kEstimate;
  PowerSpectrumOptions power;     // transfer function form and accuracy
  LimberOptions limber;           // Limber quadrature

  bool is_valid(std::string* error) const;
};

// Immutable after construction; sample() is const and thread-safe.
class ConvergenceMapSimulator {
 public:
  // Builds P(k), C_ℓ and the field for one cosmology. Throws core::Error (naming the
  // parameter) on invalid input.
  ConvergenceMapSimulator(const Cosmology& cosmology, const ConvergenceMapOptions& options = {});

  const ConvergenceMapOptions& options() const { return options_; }
  const Grid& grid() const { return grid_; }       // dim 2, n = pixels, side in radians
  const LinearPowerSpectrum& power_spectrum() const { return *linear_; }
  const ConvergenceSpectrum& spectrum() const { return *spectrum_; }
  double cl(double ell) const;        // the interpolated C_ℓ used for the maps
  double noise_sigma() const { return noise_sigma_; }   // σ_pix
  double signal_variance() const;     // expected pixel variance of the noiseless map
  double shift() const { return shift_; }               // λ actually used (lognormal)

  // One map into map[0 .. n²) (row-major), noise included: first the field's n² normals, then
  // n² noise normals (fill_standard_normal), from *rng; *work is reused (no allocation).
  void sample(core::Rng* rng, FftWorkspace* work, double* map) const;
  Eigen::VectorXd sample(core::Rng* rng) const;

 private:
  ConvergenceMapOptions options_;
  Grid grid_;
  std::unique_ptr<LinearPowerSpectrum> linear_;
  std::unique_ptr<ConvergenceSpectrum> spectrum_;
  UniformCubicSpline log_cl_;  // ln C_ℓ against ln ℓ
  double noise_sigma_ = 0, shift_ = 0;
  std::unique_ptr<GaussianField> gaussian_;
  std::unique_ptr<LognormalField> lognormal_;
};

}  // namespace sbi::simulators::cosmology
