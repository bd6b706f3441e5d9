// A grid of images as an SVG figure, for looking at data, reconstructions and samples
// (`sbi plot images FILE.h5 --out grid.svg`): one gray square per pixel (black = low), row 0
// of an image at the top, as its array is printed (note: FITS viewers put row 0 at the
// bottom). Gray levels are quantised to 64 and equal neighbours in a row merged into one
// rectangle, so a grid of 16 images of 48 x 48 pixels stays below ~1 MB.
//
// Scaling: one linear stretch for the whole grid, from the 0.5th to the 99.5th percentile of
// all shown pixels (so originals and reconstructions drawn with the same stretch compare),
// or per image. Images of several channels show channel 0.
#pragma once

#include <Eigen/Core>
#include <string>

#include "core/data_shape.h"

namespace sbi {

struct ImageGridOptions {
  int columns = 4;
  double pixel_size = 3.0;  // SVG px per image pixel
  bool per_image_scale = false;
  std::string title;
  // Fixed stretch [low, high] when low < high (both finite); else the percentiles above.
  double low = 0, high = 0;
  bool is_valid(std::string* error) const;
};

// images: one per column (shape.flat_dim() rows), all finite. Throws core::Error otherwise.
std::string image_grid_svg(const Eigen::MatrixXd& images, const core::DataShape& shape,
                           const ImageGridOptions& options);

}  // namespace sbi
