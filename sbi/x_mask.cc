#include "sbi/x_mask.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"
#include "io/h5_file.h"

namespace sbi {
namespace {

std::string shape_string(const std::vector<size_t>& shape) {
  std::string s = "(";
  for (size_t i = 0; i < shape.size(); ++i) s += (i ? ", " : "") + std::to_string(shape[i]);
  return s + (shape.size() == 1 ? ",)" : ")");
}

}  // namespace

io::H5File open_pixel_map_file(const std::string& path, const std::string& what) {
  try {
    return io::H5File::open_read(path);
  } catch (const core::Error& e) {
    throw core::Error(what + ": " + e.what());
  }
}

std::string pixel_position(size_t i, const std::vector<size_t>& shape) {
  std::vector<size_t> index(shape.size());
  for (size_t d = shape.size(); d-- > 0;) {
    index[d] = i % shape[d];
    i /= shape[d];
  }
  return shape_string(index);
}

void check_pixel_map_shape(const std::vector<size_t>& file_shape, const core::DataShape& shape,
                           const std::string& where) {
  core::check(!shape.is_set(),
              where + " cannot apply to x, " + shape.describe() +
                  ": masks and noise maps apply to images and vectors (the rows of a set are "
                  "masked by their presence flags)");
  const std::vector<size_t> full = x_mask_file_shape(shape);
  std::vector<size_t> one_channel = full;
  if (shape.is_image() && shape.channels > 1) one_channel.erase(one_channel.begin());
  core::check(file_shape == full || file_shape == one_channel,
              where + " has shape " + shape_string(file_shape) + ", but x is " +
                  shape.describe() + ", whose per-pixel maps have shape " + shape_string(full) +
                  (one_channel != full ? " or " + shape_string(one_channel) : std::string()));
}

std::vector<size_t> x_mask_file_shape(const core::DataShape& shape) {
  if (!shape.is_image()) return {static_cast<size_t>(shape.flat_dim())};
  std::vector<size_t> dims;
  if (shape.channels > 1) dims.push_back(static_cast<size_t>(shape.channels));
  dims.push_back(static_cast<size_t>(shape.height));
  dims.push_back(static_cast<size_t>(shape.width));
  return dims;
}

Standardizer::Mask x_mask_from_values(const std::vector<double>& values,
                                      const std::vector<size_t>& file_shape,
                                      const core::DataShape& shape, const std::string& where) {
  check_pixel_map_shape(file_shape, shape, where);
  size_t size = 1;
  for (size_t n : file_shape) size *= n;
  core::check(values.size() == size, where + " of shape " + shape_string(file_shape) +
                                         " came with " + std::to_string(values.size()) + " values");
  size_t used = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    if (values[i] == 0.0 || values[i] == 1.0) {
      used += values[i] == 1.0;
      continue;
    }
    char value[32];
    std::snprintf(value, sizeof value, "%g", values[i]);
    throw core::Error(where + " has " + (std::isnan(values[i]) ? "NaN" : value) + " at " +
                      pixel_position(i, file_shape) +
                      "; a mask holds 1 (use the pixel) or 0 (ignore it), nothing else");
  }
  core::check(used > 0, where + " is 0 everywhere: it leaves nothing of x to infer from");
  Standardizer::Mask mask(shape.flat_dim());
  const Eigen::Index n = static_cast<Eigen::Index>(values.size());
  for (Eigen::Index i = 0; i < mask.size(); ++i) mask[i] = values[i % n] == 1.0;
  return mask;
}

Standardizer::Mask read_x_mask(const std::string& path, const core::DataShape& shape,
                               const std::string& what) {
  const std::string where = what + " " + path;
  io::H5File f = open_pixel_map_file(path, what);
  core::check(f.is_dataset("/mask"),
              where + " has no /mask dataset (1 = use the pixel, 0 = ignore it, of the shape of "
                      "one x: " + shape_string(x_mask_file_shape(shape)) + ")");
  check_pixel_map_shape(f.shape("/mask"), shape, where + ": /mask");  // before reading any size
  std::vector<size_t> file_shape;
  const std::vector<double> values = f.read_array("/mask", &file_shape);
  return x_mask_from_values(values, file_shape, shape, where + ": /mask");
}

}  // namespace sbi
