#include "simulators/lensing/psf.h"

#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace sbi::simulators::lensing {
namespace {

constexpr int kMaxSize = 255;

std::string number(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

Psf Psf::gaussian(double fwhm, double pixel_scale, int size) {
  core::check(std::isfinite(fwhm) && fwhm > 0,
              "Psf::gaussian: fwhm = " + number(fwhm) + " arcsec, must be finite and > 0");
  core::check(std::isfinite(pixel_scale) && pixel_scale > 0,
              "Psf::gaussian: pixel_scale = " + number(pixel_scale) + ", must be finite and > 0");
  core::check(size >= 1 && size <= kMaxSize && size % 2 == 1,
              "Psf::gaussian: size = " + std::to_string(size) + ", must be odd and in [1, 255]");
  const double sigma = fwhm / (2 * std::sqrt(2 * std::log(2.0))) / pixel_scale;  // pixels
  const int h = size / 2;
  Eigen::VectorXd p(size);
  for (int i = 0; i < size; ++i) p[i] = std::exp(-0.5 * (i - h) * (i - h) / (sigma * sigma));
  p /= p.sum();  // the centre term is 1, so the sum is >= 1
  return Psf(p * p.transpose(), p);
}

Psf Psf::from_image(const Eigen::MatrixXd& image) {
  const long k = image.rows();
  core::check(
      image.cols() == k && k % 2 == 1 && k <= kMaxSize,
      "Psf: the PSF image is " + std::to_string(image.rows()) + " x " +
          std::to_string(image.cols()) +
          ", must be square with an odd side (the centre pixel is the optical axis), at most 255");
  for (long i = 0; i < k; ++i)
    for (long j = 0; j < k; ++j) {
      const double v = image(i, j);
      core::check(std::isfinite(v), "Psf: the PSF image has a non-finite value at row " +
                                        std::to_string(i) + ", column " + std::to_string(j));
      core::check(v >= 0, "Psf: the PSF image has a negative value (" + number(v) + ") at row " +
                              std::to_string(i) + ", column " + std::to_string(j));
    }
  const double sum = image.sum();
  core::check(sum > 0 && std::isfinite(sum),
              "Psf: the PSF image sums to " + number(sum) + ", must have a positive finite sum");
  return Psf(image / sum, Eigen::VectorXd());
}

}  // namespace sbi::simulators::lensing
