// Ray shooting through a lens on a supersampled detector grid, average-pooled to pixels.
//
// Detector conventions (those of the `lensing` task): npix x npix pixels of side Δ =
// pixel_scale arcsec, the optical axis at the centre of the image; pixel (row r, column c),
// row index increasing with y as FITS images are stored and column index with x, has its
// centre at
//   x = (c - (npix - 1)/2) Δ,   y = (r - (npix - 1)/2) Δ,
// and index r npix + c in the flattened (row-major) image. Each pixel is split into s x s
// sub-pixels (s = supersample) with one ray through each sub-pixel centre, at offsets
// ((k + 1/2)/s - 1/2) Δ, k = 0..s-1, per axis; the pixel value is the mean of the source's
// surface brightness at the rays' source-plane positions β = θ - α(θ) (lensing conserves
// surface brightness), an s²-point midpoint-rule estimate of the pixel's mean brightness.
#pragma once

#include <vector>

#include "simulators/lensing/lens_model.h"
#include "simulators/lensing/source.h"

namespace sbi::simulators::lensing {

// The ray positions of blocks of consecutive pixels, computed when asked for (a few
// operations per ray, so a grid costs no memory). Within a block of `count` pixels, ray
// k count + j is sub-pixel k (sub-row by sub-row) of the block's j-th pixel, so that pooling
// adds contiguous runs. Mirrored blocks mirror their rays: ray i of the block of pixels
// [p, p + count) is at exactly minus the position of ray count s² - 1 - i of the block
// [N - p - count, N - p), N = npix².
class RayGrid {
 public:
  static constexpr int kMaxSupersample = 32;

  // Throws core::Error unless 1 <= npix <= 4096, pixel_scale > 0 is finite,
  // 1 <= supersample <= kMaxSupersample and npix² supersample² < 2^31.
  RayGrid(int npix, double pixel_scale, int supersample);

  int npix() const { return npix_; }
  double pixel_scale() const { return pixel_scale_; }
  int supersample() const { return supersample_; }
  int num_pixels() const { return npix_ * npix_; }
  int rays_per_pixel() const { return supersample_ * supersample_; }
  int num_rays() const { return num_pixels() * rays_per_pixel(); }
  // Pixel-centre coordinates of column c and of row r.
  double pixel_x(int c) const { return 0.5 * (2 * c + 1 - npix_) * pixel_scale_; }
  double pixel_y(int r) const { return 0.5 * (2 * r + 1 - npix_) * pixel_scale_; }
  // The positions of the count s² rays of pixels [first_pixel, first_pixel + count), in the
  // order above, into x and y. Thread-safe.
  void rays(int first_pixel, int count, double* x, double* y) const;

 private:
  int npix_, supersample_;
  double pixel_scale_;
  std::vector<double> offset_x_, offset_y_;  // the s² sub-pixel centres [pixels]
};

// The image of `source` through `lens` before any PSF or noise (npix² values written to
// `image`, row-major), as described above. Thread-safe. The grid is symmetric under θ -> -θ,
// so for a point-symmetric lens (LensModel::is_point_symmetric: α(-θ) = -α(θ), hence
// β(-θ) = -β(θ)) the lens equation is solved for half of the rays only.
// A template on the scalar type (double, or an automatic-differentiation scalar:
// scalar_math.h), defined in ray_tracing_impl.h and compiled for double in ray_tracing.cc.
template <class T>
void trace_image(const RayGrid& grid, const LensModelT<T>& lens, const SourceT<T>& source,
                 T* image);

extern template void trace_image<double>(const RayGrid&, const LensModel&, const Source&,
                                         double*);

}  // namespace sbi::simulators::lensing
