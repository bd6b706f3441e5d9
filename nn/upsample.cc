#include "nn/upsample.h"

#include <algorithm>

#include "core/error.h"

namespace sbi::nn {

namespace {

void check_rows(Eigen::Index rows, const ImageShape& shape, const char* what) {
  core::check(rows == shape.flat_dim(), std::string(what) + " has " + std::to_string(rows) +
                                            " rows, expected images of " + shape.describe());
}

}  // namespace

ImageShape upsampled_shape(const ImageShape& in) { return {in.channels, 2 * in.height, 2 * in.width}; }

void upsample_2x(const Matrix& x, const ImageShape& in, Matrix* y) {
  check_rows(x.rows(), in, "upsample_2x: x");
  const ImageShape out = upsampled_shape(in);
  y->resize(out.flat_dim(), x.cols());
  const Eigen::Index planes = x.cols() * in.channels;
  for (Eigen::Index q = 0; q < planes; ++q) {
    const double* src = x.data() + q * in.pixels();
    double* dst = y->data() + q * out.pixels();
    for (int i = 0; i < in.height; ++i) {
      double* top = dst + 2 * i * out.width;
      double* bottom = top + out.width;
      for (int j = 0; j < in.width; ++j) {
        const double v = src[i * in.width + j];
        top[2 * j] = top[2 * j + 1] = bottom[2 * j] = bottom[2 * j + 1] = v;
      }
    }
  }
}

void upsample_2x_backward(const ImageShape& in, const Matrix& grad_y, Matrix* grad_x) {
  const ImageShape out = upsampled_shape(in);
  check_rows(grad_y.rows(), out, "upsample_2x_backward: grad_y");
  grad_x->resize(in.flat_dim(), grad_y.cols());
  const Eigen::Index planes = grad_y.cols() * in.channels;
  for (Eigen::Index q = 0; q < planes; ++q) {
    const double* src = grad_y.data() + q * out.pixels();
    double* dst = grad_x->data() + q * in.pixels();
    for (int i = 0; i < in.height; ++i) {
      const double* top = src + 2 * i * out.width;
      const double* bottom = top + out.width;
      for (int j = 0; j < in.width; ++j)
        dst[i * in.width + j] = top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1];
    }
  }
}

void crop_images(const Matrix& x, const ImageShape& in, const ImageShape& out, Matrix* y) {
  check_rows(x.rows(), in, "crop_images: x");
  core::check(out.channels == in.channels && out.height <= in.height && out.width <= in.width,
              "crop_images: cannot crop " + in.describe() + " to " + out.describe());
  y->resize(out.flat_dim(), x.cols());
  const Eigen::Index planes = x.cols() * in.channels;
  for (Eigen::Index q = 0; q < planes; ++q)
    for (int i = 0; i < out.height; ++i)
      std::copy_n(x.data() + q * in.pixels() + i * in.width, out.width,
                  y->data() + q * out.pixels() + i * out.width);
}

void crop_images_backward(const ImageShape& in, const ImageShape& out, const Matrix& grad_y,
                          Matrix* grad_x) {
  check_rows(grad_y.rows(), out, "crop_images_backward: grad_y");
  grad_x->setZero(in.flat_dim(), grad_y.cols());
  const Eigen::Index planes = grad_y.cols() * in.channels;
  for (Eigen::Index q = 0; q < planes; ++q)
    for (int i = 0; i < out.height; ++i)
      std::copy_n(grad_y.data() + q * out.pixels() + i * out.width, out.width,
                  grad_x->data() + q * in.pixels() + i * in.width);
}

}  // namespace sbi::nn
