#include "nn/pooling.h"

#include <algorithm>

#include "core/enum_names.h"
#include "core/error.h"
#include "nn/gemm.h"

namespace sbi::nn {

namespace {
const core::EnumNames<ImagePooling>& image_poolings() {
  static const core::EnumNames<ImagePooling> names("image pooling", {"avg", "max"});
  return names;
}
}  // namespace

ImagePooling parse_image_pooling(const std::string& name) { return image_poolings().parse(name); }
std::string image_pooling_name(ImagePooling value) { return image_poolings().name(value); }
std::vector<std::string> image_pooling_names() { return image_poolings().names(); }

ImageShape pooled_shape(const ImageShape& in) { return {in.channels, in.height / 2, in.width / 2}; }

namespace {

// Index (0..3, row-major) of the largest of the four inputs of one output pixel; the
// first one on a tie. Forward and backward both use it, so they agree on the winner.
template <class T>
int argmax4(const T* top, const T* bottom) {
  int best = 0;
  T v = top[0];
  if (top[1] > v) best = 1, v = top[1];
  if (bottom[0] > v) best = 2, v = bottom[0];
  if (bottom[1] > v) best = 3;
  return best;
}

void check_rows(Eigen::Index rows, Eigen::Index expected, const ImageShape& shape, const char* what) {
  core::check(rows == expected, std::string(what) + " has " + std::to_string(rows) + " rows, expected " +
                                    std::to_string(expected) + " (images of " + shape.describe() + ")");
}

template <class T>
void pool_2x2_any(ImagePooling pooling, const MatrixOf<T>& x, const ImageShape& in, MatrixOf<T>* y) {
  check_rows(x.rows(), in.flat_dim(), in, "pool_2x2: x");
  const ImageShape out = pooled_shape(in);
  const int w = in.width;
  y->resize(out.flat_dim(), x.cols());
  // Planes are consecutive H*W blocks of the column-major storage, whatever image or channel.
  const Eigen::Index planes = x.cols() * in.channels;
  for (Eigen::Index q = 0; q < planes; ++q) {
    const T* src = x.data() + q * in.pixels();
    T* dst = y->data() + q * out.pixels();
    for (int i = 0; i < out.height; ++i) {
      const T* top = src + 2 * i * w;
      const T* bottom = top + w;
      T* row = dst + i * out.width;
      if (pooling == ImagePooling::kAverage) {
        for (int j = 0; j < out.width; ++j)
          row[j] = T(0.25) * (top[2 * j] + top[2 * j + 1] + bottom[2 * j] + bottom[2 * j + 1]);
      } else {
        for (int j = 0; j < out.width; ++j) {
          const int a = argmax4(top + 2 * j, bottom + 2 * j);
          row[j] = (a < 2 ? top : bottom)[2 * j + (a & 1)];
        }
      }
    }
  }
}

template <class T>
void pool_2x2_backward_any(ImagePooling pooling, const MatrixOf<T>& x, const ImageShape& in,
                           const MatrixOf<T>& grad_y, MatrixOf<T>* grad_x) {
  const ImageShape out = pooled_shape(in);
  check_rows(grad_y.rows(), out.flat_dim(), out, "pool_2x2_backward: grad_y");
  if (pooling == ImagePooling::kMax) {
    check_rows(x.rows(), in.flat_dim(), in, "pool_2x2_backward: x");
    core::check(x.cols() == grad_y.cols(),
                "pool_2x2_backward: x and grad_y hold different numbers of images");
  }
  const int w = in.width;
  grad_x->resize(in.flat_dim(), grad_y.cols());
  const Eigen::Index planes = grad_y.cols() * in.channels;
  // Every entry is written once: the windows, then a dropped last column and row (zero).
  for (Eigen::Index q = 0; q < planes; ++q) {
    const T* g = grad_y.data() + q * out.pixels();
    T* dst = grad_x->data() + q * in.pixels();
    for (int i = 0; i < out.height; ++i) {
      T* top = dst + 2 * i * w;
      T* bottom = top + w;
      const T* row = g + i * out.width;
      if (pooling == ImagePooling::kAverage) {
        for (int j = 0; j < out.width; ++j) {
          const T share = T(0.25) * row[j];
          top[2 * j] = top[2 * j + 1] = bottom[2 * j] = bottom[2 * j + 1] = share;
        }
      } else {
        const T* x_top = x.data() + q * in.pixels() + 2 * i * w;
        for (int j = 0; j < out.width; ++j) {
          const int a = argmax4(x_top + 2 * j, x_top + w + 2 * j);
          top[2 * j] = top[2 * j + 1] = bottom[2 * j] = bottom[2 * j + 1] = T(0);
          (a < 2 ? top : bottom)[2 * j + (a & 1)] = row[j];
        }
      }
      if (w % 2) top[w - 1] = bottom[w - 1] = T(0);
    }
    if (in.height % 2) std::fill(dst + (in.height - 1) * w, dst + in.height * w, T(0));
  }
}

template <class T>
void global_average_pool_any(const MatrixOf<T>& x, const ImageShape& in, MatrixOf<T>* y) {
  check_rows(x.rows(), in.flat_dim(), in, "global_average_pool: x");
  const Eigen::Index hw = in.pixels();
  y->resize(in.channels, x.cols());
  for (Eigen::Index n = 0; n < x.cols(); ++n)
    for (int c = 0; c < in.channels; ++c) (*y)(c, n) = x.col(n).segment(c * hw, hw).mean();
}

template <class T>
void global_average_pool_backward_any(const ImageShape& in, const Eigen::Ref<const MatrixOf<T>>& grad_y,
                                      MatrixOf<T>* grad_x) {
  core::check(grad_y.rows() == in.channels, "global_average_pool_backward: grad_y has " +
                                                std::to_string(grad_y.rows()) + " rows, expected " +
                                                std::to_string(in.channels) + " channels");
  const Eigen::Index hw = in.pixels(), images = grad_y.cols();
  grad_x->resize(in.flat_dim(), images);
  for (Eigen::Index n = 0; n < images; ++n)
    for (int c = 0; c < in.channels; ++c)
      grad_x->col(n).segment(c * hw, hw).setConstant(grad_y(c, n) / static_cast<T>(hw));
}


}  // namespace

void pool_2x2(ImagePooling pooling, const Matrix& x, const ImageShape& in, Matrix* y) {
  pool_2x2_any(pooling, x, in, y);
}
void pool_2x2(ImagePooling pooling, const MatrixF& x, const ImageShape& in, MatrixF* y) {
  pool_2x2_any(pooling, x, in, y);
}
void pool_2x2_backward(ImagePooling pooling, const Matrix& x, const ImageShape& in, const Matrix& grad_y,
                       Matrix* grad_x) {
  pool_2x2_backward_any(pooling, x, in, grad_y, grad_x);
}
void pool_2x2_backward(ImagePooling pooling, const MatrixF& x, const ImageShape& in, const MatrixF& grad_y,
                       MatrixF* grad_x) {
  pool_2x2_backward_any(pooling, x, in, grad_y, grad_x);
}
void global_average_pool(const Matrix& x, const ImageShape& in, Matrix* y) { global_average_pool_any(x, in, y); }
void global_average_pool(const MatrixF& x, const ImageShape& in, MatrixF* y) {
  global_average_pool_any(x, in, y);
}
void global_average_pool_backward(const ImageShape& in, const Eigen::Ref<const Matrix>& grad_y, Matrix* grad_x) {
  global_average_pool_backward_any<double>(in, grad_y, grad_x);
}
void global_average_pool_backward(const ImageShape& in, const Eigen::Ref<const MatrixF>& grad_y,
                                  MatrixF* grad_x) {
  global_average_pool_backward_any<float>(in, grad_y, grad_x);
}

}  // namespace sbi::nn
