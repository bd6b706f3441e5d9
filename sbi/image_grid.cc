#include "sbi/image_grid.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "core/error.h"
#include "sbi/svg_writer.h"

namespace sbi {

namespace {

constexpr int kLevels = 64;

// The q-quantile of v (0 <= q <= 1) by sorting a copy.
double quantile(std::vector<double> v, double q) {
  const size_t i = static_cast<size_t>(std::lround(q * static_cast<double>(v.size() - 1)));
  std::nth_element(v.begin(), v.begin() + static_cast<long>(i), v.end());
  return v[i];
}

std::string gray(int level) {
  const int g = static_cast<int>(std::lround(255.0 * level / (kLevels - 1)));
  char s[8];
  std::snprintf(s, sizeof s, "#%02x%02x%02x", g, g, g);
  return s;
}

}  // namespace

bool ImageGridOptions::is_valid(std::string* error) const {
  if (columns < 1) *error = "--columns must be >= 1";
  else if (!(pixel_size > 0 && pixel_size <= 100)) *error = "the pixel size must be in (0, 100]";
  else return true;
  return false;
}

std::string image_grid_svg(const Eigen::MatrixXd& images, const core::DataShape& shape,
                           const ImageGridOptions& options) {
  core::check_valid(options, "image grid");
  core::check(shape.is_image(), "an image grid needs images, not " + shape.describe());
  core::check(images.rows() == shape.flat_dim() && images.cols() >= 1,
              "image_grid_svg: " + std::to_string(images.rows()) + " x " +
                  std::to_string(images.cols()) + " values do not hold images of " + shape.describe());
  core::check(images.allFinite(), "image_grid_svg: the images hold NaN or Inf");
  const int h = shape.height, w = shape.width, n = static_cast<int>(images.cols());
  const int columns = std::min(options.columns, n), rows = (n + columns - 1) / columns;
  const double px = options.pixel_size, gap = 4, top = options.title.empty() ? gap : 24;
  SvgDocument svg(columns * (w * px + gap) + gap, top + rows * (h * px + gap));
  SvgStyle background;
  background.fill = "white";
  svg.rect(0, 0, svg.width(), svg.height(), background);
  if (!options.title.empty()) svg.text(svg.width() / 2, 16, options.title, SvgTextStyle{});
  auto stretch = [&](const double* begin, long count, double* lo, double* hi) {
    if (options.low < options.high && std::isfinite(options.low) && std::isfinite(options.high)) {
      *lo = options.low;
      *hi = options.high;
      return;
    }
    std::vector<double> v(begin, begin + count);
    *lo = quantile(v, 0.005);
    *hi = quantile(std::move(v), 0.995);
    if (!(*hi > *lo)) *hi = *lo + 1;  // a constant image: mid gray
  };
  const long plane = static_cast<long>(h) * w;
  double lo = 0, hi = 1;
  if (!options.per_image_scale) {
    Eigen::MatrixXd first = images.topRows(plane);  // channel 0 of every image
    stretch(first.data(), first.size(), &lo, &hi);
  }
  for (int k = 0; k < n; ++k) {
    const double* img = images.col(k).data();  // channel 0: the first H*W entries
    if (options.per_image_scale) stretch(img, plane, &lo, &hi);
    const double x0 = gap + (k % columns) * (w * px + gap), y0 = top + (k / columns) * (h * px + gap);
    for (int i = 0; i < h; ++i) {
      int j = 0;
      while (j < w) {
        auto level = [&](int jj) {
          const double t = (img[i * w + jj] - lo) / (hi - lo);
          return std::clamp(static_cast<int>(std::floor(t * kLevels)), 0, kLevels - 1);
        };
        const int l = level(j);
        int end = j + 1;
        while (end < w && level(end) == l) ++end;
        SvgStyle cell;
        cell.fill = gray(l);
        svg.rect(x0 + j * px, y0 + i * px, (end - j) * px, px, cell);
        j = end;
      }
    }
  }
  return svg.str();
}

}  // namespace sbi
