#include "simulators/lensing/ray_tracing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>

#include "core/error.h"

namespace sbi::simulators::lensing {
namespace {

// Rays per pass of trace_image: deflection, source and pooling run on one block at a time so
// that its buffers (3 x 8 KiB) stay in the L1 cache.
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
  const int s = supersample;
  x_.resize(static_cast<std::size_t>(num_pixels()) * s * s);
  y_.resize(x_.size());
  std::size_t k = 0;
  for (int r = 0; r < npix; ++r)
    for (int c = 0; c < npix; ++c)
      for (int a = 0; a < s; ++a)      // sub-row
        for (int b = 0; b < s; ++b) {  // sub-column
          x_[k] = pixel_x(c) + ((b + 0.5) / s - 0.5) * pixel_scale;
          y_[k] = pixel_y(r) + ((a + 0.5) / s - 0.5) * pixel_scale;
          ++k;
        }
}

void trace_image(const RayGrid& grid, const LensModel& lens, const Source& source, double* image) {
  const int per_pixel = grid.rays_per_pixel();
  const int block_pixels = kBlockRays / per_pixel;
  const double inv = 1.0 / per_pixel;
  alignas(64) double bx[kBlockRays], by[kBlockRays], value[kBlockRays];
  for (int p0 = 0; p0 < grid.num_pixels(); p0 += block_pixels) {
    const int pixels = std::min(block_pixels, grid.num_pixels() - p0);
    const int n = pixels * per_pixel;
    const std::size_t first = static_cast<std::size_t>(p0) * per_pixel;
    lens.shoot(n, grid.x().data() + first, grid.y().data() + first, bx, by);
    source.brightness(n, bx, by, value);
    for (int p = 0; p < pixels; ++p) {
      double sum = 0;
      for (int k = 0; k < per_pixel; ++k) sum += value[p * per_pixel + k];
      image[p0 + p] = sum * inv;
    }
  }
}

}  // namespace sbi::simulators::lensing
