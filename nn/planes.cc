#include "nn/planes.h"

#include "core/error.h"

namespace sbi::nn {

std::string ImageShape::describe() const {
  return std::to_string(channels) + " x " + std::to_string(height) + " x " + std::to_string(width) +
         " (channels x height x width)";
}

void to_planes(const Eigen::Ref<const Matrix>& images, const ImageShape& shape, Matrix* planes) {
  core::check(images.rows() == shape.flat_dim(),
              "to_planes: images have " + std::to_string(images.rows()) + " rows, expected " +
                  std::to_string(shape.flat_dim()) + " for " + shape.describe());
  const Eigen::Index hw = shape.pixels(), b = images.cols();
  planes->resize(b * hw, shape.channels);
  for (Eigen::Index i = 0; i < b; ++i)
    for (int c = 0; c < shape.channels; ++c)
      planes->col(c).segment(i * hw, hw) = images.col(i).segment(c * hw, hw);
}

void from_planes(const Matrix& planes, const ImageShape& shape, Matrix* images) {
  const Eigen::Index hw = shape.pixels(), b = count_images(planes, shape, "from_planes");
  images->resize(shape.flat_dim(), b);
  for (Eigen::Index i = 0; i < b; ++i)
    for (int c = 0; c < shape.channels; ++c)
      images->col(i).segment(c * hw, hw) = planes.col(c).segment(i * hw, hw);
}

Eigen::Index count_images(const Matrix& planes, const ImageShape& shape, const std::string& context) {
  const Eigen::Index hw = shape.pixels();
  core::check(hw > 0 && planes.cols() == shape.channels && planes.rows() % hw == 0,
              context + ": a " + std::to_string(planes.rows()) + " x " + std::to_string(planes.cols()) +
                  " matrix does not hold images of " + shape.describe() + " as planes");
  return planes.rows() / hw;
}

}  // namespace sbi::nn
