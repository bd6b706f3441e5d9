#include "simulators/lensing/pixelated_source.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace sbi::simulators::lensing {
namespace {

std::string fmt(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", v);
  return buf;
}

}  // namespace

bool SourceGrid::is_valid(std::string* error) const {
  auto fail = [&](const std::string& what) {
    if (error) *error = "SourceGrid::" + what;
    return false;
  };
  if (rows < 1 || rows > 10000)
    return fail("rows = " + std::to_string(rows) + ", must be in [1, 10000]");
  if (cols < 1 || cols > 10000)
    return fail("cols = " + std::to_string(cols) + ", must be in [1, 10000]");
  if (!(std::isfinite(pixel_scale) && pixel_scale > 0))
    return fail("pixel_scale = " + fmt(pixel_scale) + ", must be finite and > 0");
  if (!(std::isfinite(center_x) && std::isfinite(center_y)))
    return fail("the centre must be finite");
  return true;
}

int SourceGrid::bilinear(double x, double y, int index[4], double weight[4]) const {
  // Fractional pixel coordinates, clamped to a band one pixel beyond the grid (where the
  // weights are all zero anyway) so that floor() stays in int range; NaN lands at -2.
  double fx = (x - center_x) / pixel_scale + 0.5 * (cols - 1);
  double fy = (y - center_y) / pixel_scale + 0.5 * (rows - 1);
  fx = fx > -2.0 ? (fx < cols + 1.0 ? fx : cols + 1.0) : -2.0;
  fy = fy > -2.0 ? (fy < rows + 1.0 ? fy : rows + 1.0) : -2.0;
  const int j0 = static_cast<int>(std::floor(fx)), i0 = static_cast<int>(std::floor(fy));
  const double tx = fx - j0, ty = fy - i0;
  int count = 0;
  for (int di = 0; di < 2; ++di) {
    const int i = i0 + di;
    if (i < 0 || i >= rows) continue;
    for (int dj = 0; dj < 2; ++dj) {
      const int j = j0 + dj;
      if (j < 0 || j >= cols) continue;
      const double w = (di ? ty : 1 - ty) * (dj ? tx : 1 - tx);
      if (w == 0) continue;
      index[count] = i * cols + j;
      weight[count] = w;
      ++count;
    }
  }
  return count;
}

PixelatedSource::PixelatedSource(const SourceGrid& grid, const Eigen::MatrixXd& image)
    : grid_(grid) {
  core::check_valid(grid, "PixelatedSource");
  core::check(image.rows() == grid.rows && image.cols() == grid.cols,
              "PixelatedSource: the image is " + std::to_string(image.rows()) + " x " +
                  std::to_string(image.cols()) + ", the grid " + std::to_string(grid.rows) + " x " +
                  std::to_string(grid.cols));
  core::check(image.allFinite(), "PixelatedSource: the image has non-finite values");
  values_.resize(grid.size());
  for (int i = 0; i < grid.rows; ++i)
    for (int j = 0; j < grid.cols; ++j) values_[i * grid.cols + j] = image(i, j);
}

void PixelatedSource::brightness(int n, const double* x, const double* y, double* out) const {
  int index[4];
  double weight[4];
  for (int k = 0; k < n; ++k) {
    const int count = grid_.bilinear(x[k], y[k], index, weight);
    double sum = 0;
    for (int t = 0; t < count; ++t) sum += weight[t] * values_[index[t]];
    out[k] = sum;
  }
}

}  // namespace sbi::simulators::lensing
