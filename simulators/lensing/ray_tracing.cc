#include "simulators/lensing/ray_tracing.h"

#include "simulators/lensing/ray_tracing_impl.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>
#include <string>

#include "core/error.h"

namespace sbi::simulators::lensing {
namespace {

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

template void trace_image<double>(const RayGrid&, const LensModel&, const Source&, double*);

}  // namespace sbi::simulators::lensing
