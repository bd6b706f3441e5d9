// A point-spread function as a kernel image of odd side k, row index increasing with y and
// column index with x (as the detector image), centred on pixel (h, h), h = (k - 1)/2:
// K(h + dy, h + dx) is the fraction of a point source's light that lands dy rows and dx
// columns away from it. The kernel sums to 1.
#pragma once

#include <Eigen/Core>

namespace sbi::simulators::lensing {

class Psf {
 public:
  // A circular Gaussian of full width at half maximum `fwhm` arcsec, σ = fwhm / (2 sqrt(2 ln 2)),
  // sampled at the centres of a size x size kernel of pixels of side pixel_scale arcsec and
  // normalised to sum 1: the outer product of a normalised 1-D profile, so separable. Point
  // sampling, not pixel integration: the ray-traced image is already a pixel average.
  // Throws core::Error unless fwhm > 0, pixel_scale > 0 (finite) and size is odd in [1, 255].
  static Psf gaussian(double fwhm, double pixel_scale, int size);
  // A kernel given as an image (the /psf of an observation file). Throws core::Error naming the
  // rule broken unless it is square with an odd side in [1, 255], finite and non-negative
  // with a positive sum; it is divided by its sum, so it sums to 1.
  static Psf from_image(const Eigen::MatrixXd& image);

  int size() const { return static_cast<int>(kernel_.rows()); }
  const Eigen::MatrixXd& kernel() const { return kernel_; }
  // The 1-D profile p with kernel = p pᵀ (Gaussian PSFs); empty for a kernel from an image.
  const Eigen::VectorXd& separable_profile() const { return profile_; }

 private:
  Psf(Eigen::MatrixXd kernel, Eigen::VectorXd profile)
      : kernel_(std::move(kernel)), profile_(std::move(profile)) {}

  Eigen::MatrixXd kernel_;
  Eigen::VectorXd profile_;
};

}  // namespace sbi::simulators::lensing
