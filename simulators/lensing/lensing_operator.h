// For a fixed lens, the detector image of a pixelated source (pixelated_source.h) is linear
// in the source's pixel values s: before the PSF it is B s with
//   B[p, j] = (1/S) Σ_{rays k of pixel p} w_j(β_k),
// w_j the bilinear weight of source pixel j at the ray's source-plane position β_k and S the
// rays per pixel (ray_tracing.h), so that B s equals
// trace_image(grid, lens, PixelatedSource(source, s)) up to rounding.
//
// The PSF is applied after, not folded in: the blurred image is P B s with
// P = Convolver::matrix() (convolution.h). Form the product P * B to fold it in when a
// single matrix is wanted; each column then spreads over the kernel, k² times denser.
#pragma once

#include <Eigen/SparseCore>

#include "simulators/lensing/lens_model.h"
#include "simulators/lensing/pixelated_source.h"
#include "simulators/lensing/ray_tracing.h"

namespace sbi::simulators::lensing {

// B above: grid.num_pixels() rows (the flattened image) by source.size() columns (the
// flattened source). Throws core::Error for an invalid source grid.
Eigen::SparseMatrix<double> lensing_operator(const RayGrid& grid, const LensModel& lens,
                                             const SourceGrid& source);

}  // namespace sbi::simulators::lensing
