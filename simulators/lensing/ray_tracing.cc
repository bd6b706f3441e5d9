#include "simulators/lensing/ray_tracing.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>
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
  // Sub-pixel centres relative to the pixel centre, in pixels, as (2k + 1 - s) / (2s), in
  // storage order (sub-row by sub-row).
  const int s = supersample;
  for (int a = 0; a < s; ++a)
    for (int b = 0; b < s; ++b) {
      offset_x_.push_back((2 * b + 1 - s) / (2.0 * s));
      offset_y_.push_back((2 * a + 1 - s) / (2.0 * s));
    }
}

void RayGrid::rays(int first_pixel, int count, double* x, double* y) const {
  // Pixel centres as (2c + 1 - npix) / 2 pixels: with the offsets' numerators, those of
  // mirrored rays are exact negatives, so the grid is exactly symmetric.
  thread_local std::vector<double> cx, cy;
  cx.resize(static_cast<std::size_t>(count));
  cy.resize(cx.size());
  for (int j = 0, r = first_pixel / npix_, c = first_pixel % npix_; j < count; ++j) {
    cx[j] = 0.5 * (2 * c + 1 - npix_);
    cy[j] = 0.5 * (2 * r + 1 - npix_);
    if (++c == npix_) {
      c = 0;
      ++r;
    }
  }
  const double scale = pixel_scale_, *px = cx.data(), *py = cy.data();
  for (int k = 0; k < rays_per_pixel(); ++k) {
    const double ox = offset_x_[k], oy = offset_y_[k];
    double *xk = x + static_cast<std::size_t>(k) * count, *yk = y + static_cast<std::size_t>(k) * count;
#pragma omp simd
    for (int j = 0; j < count; ++j) {
      xk[j] = (px[j] + ox) * scale;
      yk[j] = (py[j] + oy) * scale;
    }
  }
}

namespace {

// Source brightness at the source-plane positions (bx, by) of the rays of `count` pixels, in
// RayGrid::rays order, pooled into image[0 .. count): each pixel the mean over its rays.
void brightness_to_pixels(const Source& source, int count, const double* bx, const double* by,
                          int per_pixel, double* value, double* image) {
  source.brightness(count * per_pixel, bx, by, value);
  std::copy(value, value + count, image);
  for (int k = 1; k < per_pixel; ++k) {
    const double* v = value + static_cast<std::size_t>(k) * count;
#pragma omp simd
    for (int j = 0; j < count; ++j) image[j] += v[j];
  }
  const double inv = 1.0 / per_pixel;
  for (int j = 0; j < count; ++j) image[j] *= inv;
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
    brightness_to_pixels(source, count, bx, by, per_pixel, value, image + p0);
    if (!symmetric) continue;
    for (int i = 0; i < n; ++i) {  // the rays of pixels N - p0 - count .. N - 1 - p0, in order
      mx[n - 1 - i] = -bx[i];
      my[n - 1 - i] = -by[i];
    }
    brightness_to_pixels(source, count, mx, my, per_pixel, value, image + pixels - p0 - count);
  }
  if (symmetric && pixels % 2 == 1) {
    grid.rays(pixels / 2, 1, x, y);
    lens.shoot(per_pixel, x, y, bx, by);
    brightness_to_pixels(source, 1, bx, by, per_pixel, value, image + pixels / 2);
  }
}

}  // namespace sbi::simulators::lensing
