// Galaxy cut-out images (task "galaxy_images"): realistic-looking mock survey stamps for
// training variational autoencoders where real cut-outs cannot be downloaded. Each image is a
// Sérsic bulge plus an exponential disk with star-forming clumps or two logarithmic spiral
// arms, sampled on a supersampled grid, blurred by a Gaussian PSF and observed with Gaussian
// pixel noise. The profiles, grid, PSF and convolution are those of simulators/lensing/
// (sersic.h, ray_tracing.h's RayGrid, psf.h, convolution.h), without a lens.
//
// Conventions (those of the `lensing` task): angles in arcsec, position angles in radians
// counter-clockwise from +x; npix x npix pixels of side pixel_scale, row index increasing with
// y, column index with x, the image centre at (0, 0); x flattened row-major (x[r npix + c]),
// core::DataShape image(npix, npix), so files hold N x H x W. A pixel's value is the flux it
// receives (mean surface brightness over its s x s sub-pixel samples times the pixel area,
// s = supersample; refined around the galaxy's centre, see render()), so a noise-free image
// of a galaxy well inside the field sums to `flux`.
//
// The light at sky position (x, y), with (u, v) the disk frame (u along the major axis at
// position angle φ, origin at the centre (x0, y0)) and r = sqrt(u² + (v/q)²), α = atan2(v/q, u)
// the radius and azimuth in the plane of the (deprojected) disk:
//   bulge  Sérsic(n_b, R_e = bulge_reff, axis ratio q_b = sqrt(q), angle φ), flux B/T · F
//   disk   Sérsic(n = 1, R_e = disk_reff, axis ratio q, angle φ), flux (1 - B/T) · F, times
//          - arms:   1 + A(r) cos(m (α - ln(r / disk_reff) / tan(pitch)) + ψ), m = 2,
//                    A(r) = sub_amp (1 - exp(-(r / r_t)²)), r_t = disk_reff / 2, so that the
//                    pattern fades out inside the bulge instead of winding up at r -> 0; the
//                    azimuthal mean of the cosine is 0, so the disk keeps its flux;
//          - clumps: 1 - sub_amp, the light taken from the smooth disk put into K circular
//                    Gaussian clumps (sub_amp of the disk flux in all, shared in proportion to
//                    weights w_k), at disk-plane radius ρ_k disk_reff and azimuth β_k,
//                    projected like the disk (u = ρ cos β, v = q ρ sin β), of width σ_k.
// Sérsic: I = I_e exp(-b_n [(R/R_e)^(1/n) - 1]), I_e set from the component's flux by the
// closed form F = 2π n q R_e² e^(b_n) b_n^(-2n) Γ(2n) I_e (lensing/sersic.h).
//
// θ, in order (names as written to files), and the default prior (galaxy_images_prior):
//   flux        total flux [image units; the sum of the noise-free pixels]   LogU(20, 200)
//   bulge_frac  bulge-to-total flux ratio B/T                                 U(0, 1)
//   bulge_n     bulge Sérsic index n_b                                        U(2, 5)
//   bulge_reff  bulge half-light semi-major axis [arcsec]                     U(0.15, 0.5)
//   disk_reff   disk half-light semi-major axis [arcsec]                      U(0.6, 1.5)
//   q           disk axis ratio (bulge: sqrt(q))                              U(0.3, 1)
//   phi         position angle [rad]                                          U(0, π)
//   x0, y0      centre offset from the image centre [arcsec]                  U(-0.2, 0.2)
//   sub_amp     substructure strength: arm amplitude A, or the clumps' share  U(0, 0.5)
//               of the disk flux
//   pitch       spiral-arm pitch angle [rad] (unused by clumps)               U(0.2, 0.5)
// The bulge's radius range lies below the disk's, so the disk is always the larger component.
// With the default instrument (48 x 48 pixels of 0.2", PSF FWHM 0.4") the brightest pixel of a
// prior draw is of order 1 (0.1 to 10) against noise_sigma = 0.02.
// Unphysical values (flux < 0, bulge_frac or sub_amp outside [0, 1], bulge_n outside (0, 20],
// a radius <= 0, q outside (0, 1], pitch outside (0, π/2), anything non-finite) throw
// core::Error naming the parameter.
//
// Latent draws from the Rng passed to simulate(), in this order: the substructure kind
// (substructure = mixed only: clumps or arms with probability 1/2 each); for arms the phase
// ψ ~ U(0, 2π); for clumps K = 2 + U{0..4}, then per clump ρ_k ~ U(0.3, 1.5), β_k ~ U(0, 2π),
// σ_k ~ U(0.06, 0.15) arcsec, w_k ~ U(0.5, 1.5); then the noise, x_p += noise_sigma N(0, 1)
// (core::fill_standard_normal). Nothing else is random, so a batch is bitwise reproducible
// from its seed for any thread count (simulators/batch.h).
#pragma once

#include <Eigen/Core>
#include <array>
#include <optional>
#include <string>
#include <vector>

#include "simulators/lensing/convolution.h"
#include "simulators/lensing/ray_tracing.h"
#include "simulators/lensing/source.h"
#include "simulators/simulator.h"

namespace sbi::simulators {

enum class GalaxySubstructure {
  kClumps,  // star-forming clumps in every image
  kArms,    // two logarithmic spiral arms in every image
  kMixed,   // clumps or arms, drawn per image with probability 1/2 each
};

// "clumps", "arms", "mixed"; parse_galaxy_substructure returns false for another name.
std::string galaxy_substructure_name(GalaxySubstructure s);
bool parse_galaxy_substructure(const std::string& name, GalaxySubstructure* out);

struct GalaxyImageConfig {
  int npix = 48;              // image side [pixels], in [1, 4096]
  double pixel_scale = 0.2;   // [arcsec per pixel], finite and > 0
  int supersample = 3;        // samples per pixel per axis, in [1, 32]
  double psf_fwhm = 0.4;      // Gaussian PSF FWHM [arcsec] (2 pixels), >= 0; 0 = no PSF. The
                              // kernel is 2 ceil(4σ) + 1 pixels wide, σ = FWHM / 2.3548 in
                              // pixels, at most 255 (FWHM up to ~74 pixels)
  double noise_sigma = 0.02;  // Gaussian noise σ per pixel [image units], >= 0; 0 = none
  GalaxySubstructure substructure = GalaxySubstructure::kMixed;

  // False, with *error naming the field, its value and the rule, when a field is invalid.
  bool is_valid(std::string* error) const;
};

class GalaxyImages final : public Simulator {
 public:
  static constexpr int kThetaDim = 11;

  explicit GalaxyImages(const GalaxyImageConfig& config = {});  // throws on an invalid config

  const GalaxyImageConfig& config() const { return config_; }
  std::string name() const override { return "galaxy_images"; }
  int theta_dim() const override { return kThetaDim; }
  int x_dim() const override { return config_.npix * config_.npix; }
  core::DataShape x_shape() const override;
  std::vector<std::string> parameter_names() const override;
  // "pixel_<row>_<column>"
  std::vector<std::string> data_names() const override;

  void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                Eigen::Ref<Eigen::VectorXd> x) const override;

  // Throws core::Error, prefixed with `function`, naming the first unphysical entry of θ (the
  // rules above) or a θ without kThetaDim entries.
  void check_theta(const Eigen::Ref<const Eigen::VectorXd>& theta, const char* function) const;
  // The noise-free image at θ (npix² values, row-major): the galaxy with its substructure
  // (latents drawn from `rng` as above), rendered, then PSF-convolved. simulate() is this plus
  // the noise, from the same rng.
  void noiseless_image(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                       Eigen::Ref<Eigen::VectorXd> image) const;
  // The pixel fluxes of any surface brightness (per arcsec²) without PSF or noise: image[p] =
  // pixel_scale² × the mean of the pixel's supersample² sub-pixel samples (a midpoint rule).
  // Around each point of `cusps` (arcsec; the centres of steep profiles such as a Sérsic
  // bulge, whose light is concentrated in the few samples nearest to it) the sub-pixel cells
  // closer to it than kCuspReach cell sizes are split 3 x 3 and the split applied again, up
  // to kCuspLevels times, before the midpoint rule: the innermost cells are 3^-kCuspLevels
  // of a sub-pixel (729 times smaller by default), so the light the midpoint rule mis-weights
  // at the centre shrinks accordingly (a few hundred extra samples per cusp). What remains
  // is the midpoint error of the cells around the refined disc, of relative size ~(h/a)³/6
  // with h the sub-pixel side and a the profile's inner scale: < 1e-4 of an exponential disk,
  // ~0.1-0.5% of a compact bulge's flux (n 2-5, R_e 0.15-0.5") with the default grid, where
  // the plain grid errs by up to ~10%.
  static constexpr int kCuspLevels = 6;
  static constexpr double kCuspReach = 2.0;
  void render(const lensing::Source& source, Eigen::Ref<Eigen::VectorXd> image,
              const std::vector<std::array<double, 2>>& cusps = {}) const;

  const lensing::RayGrid& grid() const { return grid_; }
  // The PSF convolution, or null without a PSF.
  const lensing::Convolver* convolver() const { return convolver_ ? &*convolver_ : nullptr; }

 private:
  void refine_cusp(const lensing::Source& source, double cx, double cy,
                   Eigen::Ref<Eigen::VectorXd> image) const;

  GalaxyImageConfig config_;
  lensing::RayGrid grid_;
  std::optional<lensing::Convolver> convolver_;
};

// The default prior above, in θ order.
core::Prior galaxy_images_prior();

// The task: GalaxyImages(config) with galaxy_images_prior().
Task make_galaxy_images_task(const GalaxyImageConfig& config = {});

}  // namespace sbi::simulators
