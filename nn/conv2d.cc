#include "nn/conv2d.h"

#include <algorithm>

#include "core/error.h"

namespace sbi::nn {
namespace {

ImageShape output_shape(const ImageShape& in, int out_channels, int kernel, int padding) {
  const std::string layer = "Conv2d(" + std::to_string(in.channels) + " -> " +
                            std::to_string(out_channels) + ", kernel " + std::to_string(kernel) +
                            ", padding " + std::to_string(padding) + ")";
  core::check(in.channels >= 1 && in.height >= 1 && in.width >= 1 && out_channels >= 1,
              layer + ": sizes must be >= 1, input " + in.describe());
  core::check(kernel >= 1 && padding >= 0 && padding < kernel,
              layer + ": needs kernel >= 1 and 0 <= padding < kernel");
  ImageShape out{out_channels, in.height + 2 * padding - kernel + 1, in.width + 2 * padding - kernel + 1};
  core::check(out.height >= 1 && out.width >= 1,
              layer + ": the kernel is larger than the padded input " + in.describe());
  return out;
}

}  // namespace

Conv2d::Conv2d(const ImageShape& in, int out_channels, int kernel, int padding)
    : in_(in),
      out_(output_shape(in, out_channels, kernel, padding)),
      kernel_(kernel),
      padding_(padding),
      weight_(Matrix::Zero(out_channels, in.channels * kernel * kernel)),
      bias_(Matrix::Zero(out_channels, 1)),
      grad_weight_(Matrix::Zero(weight_.rows(), weight_.cols())),
      grad_bias_(Matrix::Zero(out_channels, 1)) {}

void Conv2d::initialize(Init init, core::Rng* rng) {
  Dense same_fan_in(static_cast<int>(weight_.cols()), static_cast<int>(weight_.rows()));
  same_fan_in.initialize(init, rng);
  weight_ = same_fan_in.weight();
  bias_ = same_fan_in.bias();
}

// cols(n*H'W' + i*W' + j, (c*k + u)*k + v) = x[n, c, i + u - p, j + v - p], zero outside:
// each column is a shifted copy of a channel, filled row segment by row segment.
void Conv2d::im2col(const Matrix& x, Eigen::Index images, Matrix* cols) const {
  const int k = kernel_, p = padding_, h = in_.height, w = in_.width;
  const int ho = out_.height, wo = out_.width;
  const Eigen::Index in_hw = in_.pixels(), out_hw = out_.pixels();
  cols->resize(images * out_hw, static_cast<Eigen::Index>(in_.channels) * k * k);
  for (int c = 0; c < in_.channels; ++c)
    for (int u = 0; u < k; ++u)
      for (int v = 0; v < k; ++v) {
        // Output columns j whose source column j + v - p lies inside the image.
        const int j_lo = std::max(0, p - v), j_hi = std::max(j_lo, std::min(wo, w + p - v));
        double* col = cols->col((c * k + u) * k + v).data();
        for (Eigen::Index n = 0; n < images; ++n) {
          const double* plane = x.col(c).data() + n * in_hw;
          double* out = col + n * out_hw;
          for (int i = 0; i < ho; ++i, out += wo) {
            const int r = i + u - p;
            if (r < 0 || r >= h) {
              std::fill(out, out + wo, 0.0);
              continue;
            }
            std::fill(out, out + j_lo, 0.0);
            std::copy(plane + r * w + j_lo + v - p, plane + r * w + j_hi + v - p, out + j_lo);
            std::fill(out + j_hi, out + wo, 0.0);
          }
        }
      }
}

// The adjoint of im2col: every entry of cols is added back to the pixel it was copied from.
void Conv2d::col2im(const Matrix& cols, Eigen::Index images, Matrix* x) const {
  const int k = kernel_, p = padding_, h = in_.height, w = in_.width;
  const int ho = out_.height, wo = out_.width;
  const Eigen::Index in_hw = in_.pixels(), out_hw = out_.pixels();
  x->setZero(images * in_hw, in_.channels);
  for (int c = 0; c < in_.channels; ++c)
    for (int u = 0; u < k; ++u)
      for (int v = 0; v < k; ++v) {
        const int j_lo = std::max(0, p - v), j_hi = std::max(j_lo, std::min(wo, w + p - v));
        const double* col = cols.col((c * k + u) * k + v).data();
        for (Eigen::Index n = 0; n < images; ++n) {
          double* plane = x->col(c).data() + n * in_hw;
          const double* in = col + n * out_hw;
          for (int i = 0; i < ho; ++i, in += wo) {
            const int r = i + u - p;
            if (r < 0 || r >= h) continue;
            double* dst = plane + r * w + v - p;
            for (int j = j_lo; j < j_hi; ++j) dst[j] += in[j];
          }
        }
      }
}

void Conv2d::forward(const Matrix& x, Matrix* y, Matrix* cols) const {
  const Eigen::Index images = count_images(x, in_, "Conv2d::forward: x");
  im2col(x, images, cols);
  y->resize(cols->rows(), out_.channels);
  y->rowwise() = bias_.col(0).transpose();
  y->noalias() += *cols * weight_.transpose();
}

void Conv2d::backward(const Matrix& x, const Matrix& grad_y, Matrix* grad_x, Matrix* cols,
                      bool param_grads) {
  const Eigen::Index images = count_images(x, in_, "Conv2d::backward: x");
  core::check(grad_y.rows() == images * out_.pixels() && grad_y.cols() == out_.channels,
              "Conv2d::backward: grad_y does not match the output of x");
  if (param_grads) {
    im2col(x, images, cols);
    grad_weight_.noalias() += grad_y.transpose() * *cols;
    grad_bias_.col(0) += grad_y.colwise().sum().transpose();
  }
  if (grad_x != nullptr) {
    cols->resize(grad_y.rows(), weight_.cols());
    cols->noalias() = grad_y * weight_;
    col2im(*cols, images, grad_x);
  }
}

Parameters Conv2d::parameters() {
  return {{"weight", &weight_, &grad_weight_}, {"bias", &bias_, &grad_bias_}};
}

}  // namespace sbi::nn
