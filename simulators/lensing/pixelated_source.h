// A source given as an image, between whose pixel centres the surface brightness is
// interpolated bilinearly; outside the image it is zero (the interpolation sees a ring of
// zero-valued pixels around it, so it falls to zero over the last half pixel).
//
// Geometry (SourceGrid): rows x cols pixels of side Δ = pixel_scale arcsec centred on
// (center_x, center_y); pixel (i, j), row i increasing with y and column j with x (as images
// are stored in FITS files), has its centre at
//   x = center_x + (j - (cols - 1)/2) Δ,   y = center_y + (i - (rows - 1)/2) Δ,
// and index i cols + j in the flattened (row-major) source vector.
#pragma once

#include <Eigen/Core>
#include <string>
#include <vector>

#include "simulators/lensing/source.h"

namespace sbi::simulators::lensing {

struct SourceGrid {
  int rows = 0;
  int cols = 0;
  double pixel_scale = 0;  // arcsec
  double center_x = 0;     // arcsec
  double center_y = 0;

  int size() const { return rows * cols; }
  // False, with *error naming the field, unless rows, cols in [1, 10000] and pixel_scale > 0
  // and the centre are finite.
  bool is_valid(std::string* error) const;
  // The bilinear interpolation at (x, y): writes its nonzero terms, up to four, as flattened
  // pixel indices and weights (summing to 1 inside the grid) and returns how many.
  int bilinear(double x, double y, int index[4], double weight[4]) const;
};

class PixelatedSource final : public Source {
 public:
  // image(i, j) is the brightness of pixel (i, j); throws core::Error unless it is rows x cols
  // of `grid` and finite, and the grid is valid.
  PixelatedSource(const SourceGrid& grid, const Eigen::MatrixXd& image);

  const SourceGrid& grid() const { return grid_; }
  // The flattened (row-major) pixel values.
  const Eigen::VectorXd& values() const { return values_; }

  using Source::brightness;
  void brightness(int n, const double* x, const double* y, double* out) const override;

 private:
  SourceGrid grid_;
  Eigen::VectorXd values_;
};

}  // namespace sbi::simulators::lensing
