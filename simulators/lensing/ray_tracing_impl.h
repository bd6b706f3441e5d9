// trace_image (ray_tracing.h) for any scalar type, for the files that compile it: ray_tracing.cc
// (double) and sbi/lens_fit_model.cc (ceres::Jet).
#pragma once

#include <algorithm>
#include <type_traits>
#include <vector>

#include "simulators/lensing/lens_model_impl.h"
#include "simulators/lensing/ray_tracing.h"

namespace sbi::simulators::lensing {
namespace ray_tracing_detail {

// Rays per pass of trace_image: positions, deflection, source and pooling run on one block at
// a time so that their buffers (8 KiB each for double) stay in the L1 and L2 caches.
constexpr int kBlockRays = 1024;
static_assert(RayGrid::kMaxSupersample * RayGrid::kMaxSupersample <= kBlockRays,
              "one pixel's rays must fit in a block");

// Source brightness at the source-plane positions (bx, by) of the rays of `count` pixels, in
// RayGrid::rays order, pooled into image[0 .. count): each pixel the mean over its rays.
template <class T>
void brightness_to_pixels(const SourceT<T>& source, int count, const T* bx, const T* by,
                          int per_pixel, T* value, T* image) {
  source.brightness(count * per_pixel, bx, by, value);
  std::copy(value, value + count, image);
  for (int k = 1; k < per_pixel; ++k) {
    const T* v = value + static_cast<std::size_t>(k) * count;
#pragma omp simd
    for (int j = 0; j < count; ++j) image[j] += v[j];
  }
  const double inv = 1.0 / per_pixel;
  for (int j = 0; j < count; ++j) image[j] *= inv;
}

// trace_image with the block buffers given: x, y (the rays), bx, by (their source-plane
// positions), mx, my (those of the mirrored pixels) and value, kBlockRays entries each.
template <class T>
void trace_blocks(const RayGrid& grid, const LensModelT<T>& lens, const SourceT<T>& source,
                  T* image, double* x, double* y, T* bx, T* by, T* mx, T* my, T* value) {
  const int per_pixel = grid.rays_per_pixel(), pixels = grid.num_pixels();
  const int block_pixels = kBlockRays / per_pixel;
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

}  // namespace ray_tracing_detail

template <class T>
void trace_image(const RayGrid& grid, const LensModelT<T>& lens, const SourceT<T>& source,
                 T* image) {
  using ray_tracing_detail::kBlockRays;
  alignas(64) double x[kBlockRays], y[kBlockRays];
  if constexpr (std::is_same_v<T, double>) {
    alignas(64) double bx[kBlockRays], by[kBlockRays], mx[kBlockRays], my[kBlockRays],
        value[kBlockRays];
    ray_tracing_detail::trace_blocks(grid, lens, source, image, x, y, bx, by, mx, my, value);
  } else {
    // An AD scalar is larger (ceres::Jet<double, 12>: 104 bytes): 0.5 MB of buffers, on the heap.
    std::vector<T> buffers(5 * static_cast<std::size_t>(kBlockRays));
    T* b = buffers.data();
    ray_tracing_detail::trace_blocks(grid, lens, source, image, x, y, b, b + kBlockRays,
                                     b + 2 * kBlockRays, b + 3 * kBlockRays, b + 4 * kBlockRays);
  }
}

}  // namespace sbi::simulators::lensing
