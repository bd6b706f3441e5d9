// Strong gravitational lensing images (task "lensing", issue 12): a Sérsic galaxy behind a
// singular isothermal ellipsoid with external shear, ray-traced on a supersampled grid,
// average-pooled to detector pixels, blurred by a PSF and observed with noise. The pieces live
// in simulators/lensing/ (one job each; see their headers for the formulas and papers).
//
// Conventions (as in the observation files: /x of npix x npix with optional /psf, /noise_map):
//  - Angles in arcsec, position angles in radians counter-clockwise from +x.
//  - The image is npix x npix pixels of side pixel_scale; row index increases with y (FITS
//    order), column index with x; the optical axis and the lens centre are at the image
//    centre. x is flattened row-major (x[r npix + c]); core::DataShape image(npix, npix).
//  - SIE normalisation of Kormann et al. 1994: κ = θ_E / (2 sqrt(q x'² + y'²/q)), the θ_E of
//    lenstronomy and SLACS (lensing/sie.h). External shear Ψ = γ1 (x² - y²)/2 + γ2 x y.
//  - Sérsic: I = I_e exp(-b_n [(R/R_e)^(1/n) - 1]), R² = x'² + y'²/q², R_e the half-light
//    semi-major axis, src_amp = I_e (lensing/sersic.h). Pixel values are the mean surface
//    brightness over the pixel (lensing/ray_tracing.h), then PSF-convolved with zeros beyond
//    the field (lensing/convolution.h).
//
// θ, in order (names as written to files):
//   theta_E [arcsec], q, phi [rad], gamma1, gamma2, src_x, src_y [arcsec], src_reff [arcsec],
//   src_n, src_q, src_phi [rad], src_amp
// Unphysical values (θ_E < 0, q outside [1e-6, 1], src_q outside (0, 1], src_reff <= 0, src_n
// outside (0, 20], src_amp < 0, anything non-finite) throw core::Error naming the parameter.
//
// Default prior (independent uniforms; lensing_prior), chosen so that the tangential critical
// curve, whose semi-major axis is θ_E / sqrt(q), stays inside the default 4.8" field (at most
// 2.1" from the centre, the field's half-width is 2.4"):
//   theta_E U(0.5, 1.5)   q U(0.5, 1)   phi U(0, π)   gamma1, gamma2 U(-0.1, 0.1)
//   src_x, src_y U(-0.3, 0.3)   src_reff U(0.1, 0.5)   src_n U(0.5, 4)   src_q U(0.4, 1)
//   src_phi U(0, π)   src_amp U(1, 10)
// (q and src_q reach 1, the circular case; φ is defined modulo π, so [0, π) covers it once.)
//
// Noise: optionally x_p ~ Poisson(image_p) first (`poisson`: the noise-free image is the mean
// count per pixel), then x_p += σ_p N(0, 1) with σ_p = noise_sigma, or noise_map(r, c) when a
// noise map is given. All randomness comes from the Rng passed to simulate().
#pragma once

#include <Eigen/Core>
#include <optional>
#include <string>
#include <vector>

#include "simulators/lensing/convolution.h"
#include "simulators/lensing/lens_model.h"
#include "simulators/lensing/ray_tracing.h"
#include "simulators/lensing/sersic.h"
#include "simulators/simulator.h"

namespace sbi::simulators {

struct LensingConfig {
  int npix = 48;              // image side [pixels], in [1, 4096]
  double pixel_scale = 0.1;   // [arcsec per pixel], > 0
  int supersample = 4;        // rays per pixel per axis, in [1, 32]
  double psf_fwhm = 0.15;     // Gaussian PSF FWHM [arcsec], >= 0; 0 = no PSF
  int psf_size = 21;          // Gaussian kernel side [pixels], odd, in [1, 255]
  Eigen::MatrixXd psf_image;  // a PSF kernel image replacing the Gaussian (psf.h: odd square,
                              // finite, non-negative, normalised here to sum 1); empty = none
  double noise_sigma = 0.1;   // Gaussian noise σ per pixel, >= 0; 0 = none
  Eigen::MatrixXd noise_map;  // per-pixel σ, npix x npix (row = y), finite and >= 0; replaces
                              // noise_sigma when not empty
  bool poisson = false;       // Poisson draw of each pixel's count before the Gaussian noise

  // False, with *error naming the field, its value and the rule, when a field is invalid.
  bool is_valid(std::string* error) const;
};

class StrongLensing final : public Simulator {
 public:
  explicit StrongLensing(const LensingConfig& config = {});  // throws on an invalid config

  const LensingConfig& config() const { return config_; }
  std::string name() const override { return "lensing"; }
  int theta_dim() const override { return 12; }
  int x_dim() const override { return config_.npix * config_.npix; }
  core::DataShape x_shape() const override;
  std::vector<std::string> parameter_names() const override;
  // "pixel_<row>_<column>"
  std::vector<std::string> data_names() const override;
  // "lensing_d4" (simulators/symmetry.h) when the PSF and the noise are unchanged by the
  // square grid's rotations and reflections (the Gaussian PSF and uniform noise always are; a
  // PSF image or noise map only if it is itself symmetric), else "".
  std::string symmetry_group() const override;

  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override;

  // Throws core::Error, prefixed with `function`, naming the first unphysical entry of θ
  // (the rules above) or a θ without 12 entries.
  void check_theta(const Eigen::Ref<const Eigen::VectorXd>& theta, const char* function) const;
  // The lens and the source at θ (12 entries); throw core::Error naming an unphysical entry.
  lensing::LensModel lens(const Eigen::Ref<const Eigen::VectorXd>& theta) const;
  lensing::Sersic source(const Eigen::Ref<const Eigen::VectorXd>& theta) const;
  // The noise-free detector image of any source through `lens`: ray tracing, then the PSF.
  // `image` gets npix² values, row-major.
  void noiseless_image(const lensing::LensModel& lens, const lensing::Source& source,
                       Eigen::Ref<Eigen::VectorXd> image) const;

  const lensing::RayGrid& grid() const { return grid_; }
  // The PSF convolution, or null without a PSF.
  const lensing::Convolver* convolver() const { return convolver_ ? &*convolver_ : nullptr; }
  // The Gaussian noise σ of each pixel (noise_sigma, or the noise map), flattened like x.
  const Eigen::VectorXd& pixel_sigma() const { return sigma_; }

 private:

  LensingConfig config_;
  lensing::RayGrid grid_;
  std::optional<lensing::Convolver> convolver_;
  Eigen::VectorXd sigma_;  // per-pixel noise σ, flattened like x
};

// The lens and the source at θ (12 entries, in the order above) for any scalar type T
// (double, or an automatic-differentiation scalar: lensing/scalar_math.h), the one place
// where θ's order meets the model. No checks beyond the constructors' (StrongLensing::lens and
// source check θ first). For T other than double, include lensing/ray_tracing_impl.h and
// lensing/sersic_impl.h, which define the templates.
template <class T>
lensing::LensModelT<T> lens_of(const T* theta) {
  return lensing::LensModelT<T>(lensing::SieT<T>(theta[0], theta[1], theta[2]),
                                lensing::ExternalShearT<T>(theta[3], theta[4]));
}
template <class T>
lensing::SersicT<T> source_of(const T* theta) {
  return lensing::SersicT<T>(theta[11], theta[7], theta[8], theta[9], theta[10], theta[5],
                             theta[6]);
}

// The default prior above, in θ order.
core::Prior lensing_prior();

// The task: StrongLensing(config) with lensing_prior().
Task make_lensing_task(const LensingConfig& config = {});

}  // namespace sbi::simulators
