#include "simulators/lensing/ray_tracing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace sbi::simulators::lensing {
namespace {

// Rays per pass of trace_image: positions, deflection, source and pooling run on one block at
// a time so that their buffers (8 KiB each) stay in the L1 and L2 caches.
constexpr int kBlockRays = 1024;
static_assert(RayGrid::kMaxSupersample * RayGrid::kMaxSupersample <= kBlockRays,
              "one pixel's rays must fit in a block");

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

RayGrid::RayGrid(int npix, double pixel_scale, int supersample)
    : npix_(npix), supersample_(supersample), pixel_scale_(pixel_scale) {
  core::check(npix >= 1 && npix <= 4096,
              "RayGrid: npix = " + std::to_string(npix) + ", must be in [1, 4096]");
  core::check(std::isfinite(pixel_scale) && pixel_scale > 0,
              "RayGrid: pixel_scale = " + fmt(pixel_scale) + ", must be finite and > 0");
  core::check(supersample >= 1 && supersample <= kMaxSupersample,
              "RayGrid: supersample = " + std::to_string(supersample) + ", must be in [1, " +
                  std::to_string(kMaxSupersample) + "]");
  const double rays = static_cast<double>(npix) * npix * supersample * supersample;
  core::check(rays < 2147483648.0, "RayGrid: npix = " + std::to_string(npix) +
                                       " and supersample = " + std::to_string(supersample) +
                                       " make " + fmt(rays) + " rays, 2^31 or more");
  for (int k = 0; k < supersample; ++k)
    offsets_.push_back((2 * k + 1 - supersample) / (2.0 * supersample));
}

void RayGrid::rays(int first_pixel, int count, double* x, double* y) const {
  // Pixel centres as (2c + 1 - npix) / 2 pixels and offsets as (2k + 1 - s) / (2s): the
  // numerators of mirrored rays are exact negatives, so the grid is exactly symmetric.
  const int s = supersample_;
  std::size_t i = 0;
  for (int p = first_pixel; p < first_pixel + count; ++p) {
    const double cx = 0.5 * (2 * (p % npix_) + 1 - npix_), cy = 0.5 * (2 * (p / npix_) + 1 - npix_);
    for (int a = 0; a < s; ++a)      // sub-row
      for (int b = 0; b < s; ++b) {  // sub-column
        x[i] = (cx + offsets_[b]) * pixel_scale_;
        y[i] = (cy + offsets_[a]) * pixel_scale_;
        ++i;
      }
  }
}

namespace {

// Source brightness at the n source-plane positions (bx, by) of whole pixels, pooled into
// image[first_pixel ..]: each pixel the mean over its rays.
void brightness_to_pixels(const Source& source, int n, const double* bx, const double* by,
                          int per_pixel, double* value, double* image) {
  source.brightness(n, bx, by, value);
  const double inv = 1.0 / per_pixel;
  for (int p = 0; p < n / per_pixel; ++p) {
    double sum = 0;
    for (int k = 0; k < per_pixel; ++k) sum += value[p * per_pixel + k];
    image[p] = sum * inv;
  }
}

}  // namespace

void trace_image(const RayGrid& grid, const LensModel& lens, const Source& source, double* image) {
  const int per_pixel = grid.rays_per_pixel(), pixels = grid.num_pixels();
  const int block_pixels = kBlockRays / per_pixel;
  alignas(64) double x[kBlockRays], y[kBlockRays], bx[kBlockRays], by[kBlockRays],
      mx[kBlockRays], my[kBlockRays], value[kBlockRays];
  // Pixels [0, front) are traced directly; with a point-symmetric lens, pixel N - 1 - p is
  // traced from pixel p's rays (β -> -β, in reverse order), so front is the first half, and
  // the middle pixel of an odd N is traced directly as well.
  const bool symmetric = lens.is_point_symmetric();
  const int front = symmetric ? pixels / 2 : pixels;
  for (int p0 = 0; p0 < front; p0 += block_pixels) {
    const int count = std::min(block_pixels, front - p0), n = count * per_pixel;
    grid.rays(p0, count, x, y);
    lens.shoot(n, x, y, bx, by);
    brightness_to_pixels(source, n, bx, by, per_pixel, value, image + p0);
    if (!symmetric) continue;
    for (int i = 0; i < n; ++i) {  // rays of pixels N - p0 - count .. N - 1 - p0, in order
      mx[n - 1 - i] = -bx[i];
      my[n - 1 - i] = -by[i];
    }
    brightness_to_pixels(source, n, mx, my, per_pixel, value, image + pixels - p0 - count);
  }
  if (symmetric && pixels % 2 == 1) {
    grid.rays(pixels / 2, 1, x, y);
    lens.shoot(per_pixel, x, y, bx, by);
    brightness_to_pixels(source, per_pixel, bx, by, per_pixel, value, image + pixels / 2);
  }
}

}  // namespace sbi::simulators::lensing
