#include "nn/conv2d.h"

#include <algorithm>

#include "core/error.h"
#include "nn/detail/winograd.h"
#include "nn/gemm.h"

namespace sbi::nn {
namespace {

ImageShape output_shape(const ImageShape& in, int out_channels, int kernel, int padding) {
  const std::string layer = "Conv2d(" + std::to_string(in.channels) + " -> " + std::to_string(out_channels) +
                            ", kernel " + std::to_string(kernel) + ", padding " + std::to_string(padding) +
                            ")";
  core::check(in.channels >= 1 && in.height >= 1 && in.width >= 1 && out_channels >= 1,
              layer + ": sizes must be >= 1, input " + in.describe());
  core::check(kernel >= 1 && padding >= 0 && padding < kernel,
              layer + ": needs kernel >= 1 and 0 <= padding < kernel");
  ImageShape out{out_channels, in.height + 2 * padding - kernel + 1, in.width + 2 * padding - kernel + 1};
  core::check(out.height >= 1 && out.width >= 1,
              layer + ": the kernel is larger than the padded input " + in.describe());
  return out;
}

// kAuto: Winograd for 3 x 3 kernels on 8 input channels or more, im2col otherwise. With
// few input channels the tile transforms outweigh the products they save (bench_conv2d,
// forward + backward of 16 images, 3 x 3 -> 16 channels, one core, im2col / Winograd ms):
//   C_in    1            2            4            8            16
//   48²     1.18 / 2.22  2.15 / 4.12  4.11 / 4.88  7.92 / 7.57  15.5 / 12.6
//   24²     0.32 / 0.57  0.55 / 0.88  1.00 / 1.10  1.98 / 1.60   4.09 / 2.89
constexpr int kWinogradMinChannels = 8;

ConvAlgorithm checked_algorithm(ConvAlgorithm algorithm, int kernel, int in_channels) {
  core::check(algorithm != ConvAlgorithm::kWinograd || kernel == 3,
              "Conv2d: the Winograd algorithm needs a 3 x 3 kernel, not " + std::to_string(kernel));
  if (algorithm != ConvAlgorithm::kAuto) return algorithm;
  return kernel == 3 && in_channels >= kWinogradMinChannels ? ConvAlgorithm::kWinograd
                                                            : ConvAlgorithm::kIm2col;
}

}  // namespace

Conv2d::Conv2d(const ImageShape& in, int out_channels, int kernel, int padding, ConvAlgorithm algorithm)
    : in_(in),
      out_(output_shape(in, out_channels, kernel, padding)),
      kernel_(kernel),
      padding_(padding),
      algorithm_(checked_algorithm(algorithm, kernel, in.channels)),
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

void Conv2d::check_input(Eigen::Index rows, const Conv2dFilters& filters, Precision precision,
                         const char* function) const {
  core::check(rows == in_dim(), std::string("Conv2d::") + function + ": x has " + std::to_string(rows) +
                                    " rows, expected " + std::to_string(in_dim()) + " (images of " +
                                    in_.describe() + ")");
  const bool winograd = algorithm_ == ConvAlgorithm::kWinograd;
  const bool single = precision == Precision::kFloat32;
  core::check(filters.u.rows() == (winograd ? out_.channels : 0) &&
                  filters.u.cols() == (winograd ? 16 * in_.channels : 0) &&
                  (!single || (filters.precision == Precision::kFloat32 &&
                               filters.weight_single.rows() == weight_.rows() &&
                               filters.weight_single.cols() == weight_.cols())),
              std::string("Conv2d::") + function + ": the filters do not fit this layer (make them with its prepare()" +
                  (single ? " in float32)" : ")"));
}

void Conv2d::prepare(Conv2dFilters* filters, Precision precision) const {
  if (algorithm_ == ConvAlgorithm::kWinograd)
    detail::filter_transform(weight_, in_.channels, &filters->u);
  else
    filters->u.resize(0, 0);
  filters->precision = precision;
  if (precision == Precision::kFloat32) {
    round_to_float(filters->u, &filters->u_single);  // transformed in double, then rounded
    round_to_float(weight_, &filters->weight_single);
    round_to_float(bias_, &filters->bias_single);
  } else {
    filters->u_single.resize(0, 0);
    filters->weight_single.resize(0, 0);
    filters->bias_single.resize(0, 0);
  }
}

// cols(i*W' + j, (c*k + u)*k + v) = x[c, i + u - p, j + v - p], zero outside: each column is a
// shifted copy of a channel, filled row segment by row segment.
template <class T>
void Conv2d::im2col(const T* image, MatrixOf<T>* cols) const {
  const int k = kernel_, p = padding_, h = in_.height, w = in_.width;
  const int ho = out_.height, wo = out_.width;
  cols->resize(out_.pixels(), static_cast<Eigen::Index>(in_.channels) * k * k);
  for (int c = 0; c < in_.channels; ++c)
    for (int u = 0; u < k; ++u)
      for (int v = 0; v < k; ++v) {
        // Output columns j whose source column j + v - p lies inside the image.
        const int j_lo = std::max(0, p - v), j_hi = std::max(j_lo, std::min(wo, w + p - v));
        const T* plane = image + c * in_.pixels();
        T* out = cols->col((c * k + u) * k + v).data();
        for (int i = 0; i < ho; ++i, out += wo) {
          const int r = i + u - p;
          if (r < 0 || r >= h) {
            for (int j = 0; j < wo; ++j) out[j] = T(0);
            continue;
          }
          const T* src = plane + r * w + v - p;
          for (int j = 0; j < j_lo; ++j) out[j] = T(0);
          for (int j = j_lo; j < j_hi; ++j) out[j] = src[j];
          for (int j = j_hi; j < wo; ++j) out[j] = T(0);
        }
      }
}

// The adjoint of im2col: every entry of cols is added back to the pixel it was copied from.
template <class T>
void Conv2d::col2im(const MatrixOf<T>& cols, T* image) const {
  const int k = kernel_, p = padding_, h = in_.height, w = in_.width;
  const int ho = out_.height, wo = out_.width;
  std::fill(image, image + in_.flat_dim(), T(0));
  for (int c = 0; c < in_.channels; ++c)
    for (int u = 0; u < k; ++u)
      for (int v = 0; v < k; ++v) {
        const int j_lo = std::max(0, p - v), j_hi = std::max(j_lo, std::min(wo, w + p - v));
        T* plane = image + c * in_.pixels();
        const T* in = cols.col((c * k + u) * k + v).data();
        for (int i = 0; i < ho; ++i, in += wo) {
          const int r = i + u - p;
          if (r < 0 || r >= h) continue;
          T* dst = plane + r * w + v - p;
          for (int j = j_lo; j < j_hi; ++j) dst[j] += in[j];
        }
      }
}

void Conv2d::forward(const Matrix& x, const Conv2dFilters& filters, Matrix* y, Conv2dScratch* s) const {
  check_input(x.rows(), filters, Precision::kFloat64, "forward");
  forward_any(x, weight_, bias_, filters.u, y, s);
}

void Conv2d::forward(const MatrixF& x, const Conv2dFilters& filters, MatrixF* y, Conv2dScratchF* s) const {
  check_input(x.rows(), filters, Precision::kFloat32, "forward");
  forward_any(x, filters.weight_single, filters.bias_single, filters.u_single, y, s);
}

template <class T>
void Conv2d::forward_any(const MatrixOf<T>& x, const MatrixOf<T>& weight, const MatrixOf<T>& bias,
                         const MatrixOf<T>& u, MatrixOf<T>* y, Conv2dScratchOf<T>* s) const {
  using Map = Eigen::Map<MatrixOf<T>>;
  y->resize(out_dim(), x.cols());
  if (algorithm_ == ConvAlgorithm::kWinograd) {
    // M_ξ = V_ξ U_ξᵀ for the 16 entries ξ of the transformed tiles (nn/detail/winograd.h).
    const detail::WinogradGeometry g(in_, out_, padding_);
    const int c_in = in_.channels, c_out = out_.channels;
    s->m.resize(g.tiles(), 16 * c_out);
    for (Eigen::Index n = 0; n < x.cols(); ++n) {
      detail::input_transform(g, x.col(n).data(), &s->v, &s->padded);
      for (int xi = 0; xi < 16; ++xi) {
        auto m_xi = s->m.middleCols(xi * c_out, c_out);
        multiply(view_of(s->v.middleCols(xi * c_in, c_in)), Transpose::kNo,
                 view_of(u.middleCols(xi * c_in, c_in)), Transpose::kYes, mutable_view_of(m_xi),
                 false);
      }
      detail::output_transform(g, s->m, bias.data(), y->col(n).data());
    }
    return;
  }
  for (Eigen::Index n = 0; n < x.cols(); ++n) {
    im2col(x.col(n).data(), &s->cols);
    Map yn(y->col(n).data(), out_.pixels(), out_.channels);
    yn.rowwise() = bias.col(0).transpose();
    multiply(view_of(s->cols), Transpose::kNo, view_of(weight), Transpose::kYes, mutable_view_of(yn), true);
  }
}

namespace {
template <class T>
void check_grad_y(const MatrixOf<T>& grad_y, Eigen::Index rows, Eigen::Index cols) {
  core::check(grad_y.rows() == rows && grad_y.cols() == cols,
              "Conv2d::backward: grad_y is " + std::to_string(grad_y.rows()) + " x " +
                  std::to_string(grad_y.cols()) + ", expected " + std::to_string(rows) + " x " +
                  std::to_string(cols));
}
}  // namespace

void Conv2d::backward(const Matrix& x, const Matrix& grad_y, const Conv2dFilters& filters, Matrix* grad_x,
                      Conv2dScratch* s, bool param_grads) {
  check_input(x.rows(), filters, Precision::kFloat64, "backward");
  check_grad_y(grad_y, out_dim(), x.cols());
  backward_any(x, grad_y, weight_, filters.u, grad_x, s, param_grads ? &grad_weight_ : nullptr,
               param_grads ? &grad_bias_ : nullptr);
}

void Conv2d::backward(const MatrixF& x, const MatrixF& grad_y, const Conv2dFilters& filters, MatrixF* grad_x,
                      Conv2dScratchF* s, bool param_grads) {
  check_input(x.rows(), filters, Precision::kFloat32, "backward");
  check_grad_y(grad_y, out_dim(), x.cols());
  if (param_grads) {
    s->grad_weight.setZero(weight_.rows(), weight_.cols());
    s->grad_bias.setZero(bias_.rows(), 1);
  }
  backward_any(x, grad_y, filters.weight_single, filters.u_single, grad_x, s,
               param_grads ? &s->grad_weight : nullptr, param_grads ? &s->grad_bias : nullptr);
  if (param_grads) {
    add_widened(s->grad_weight.data(), s->grad_weight.size(), grad_weight_.data());
    add_widened(s->grad_bias.data(), s->grad_bias.size(), grad_bias_.data());
  }
}

// im2col: dL/dW += (dL/dY)ᵀ cols, dL/dX = col2im((dL/dY) W). Winograd: the adjoints in
// reverse order, dM = A dY Aᵀ, dU_ξ += dM_ξᵀ V_ξ, dV_ξ = dM_ξ U_ξ, dX = B dV Bᵀ.
template <class T>
void Conv2d::backward_any(const MatrixOf<T>& x, const MatrixOf<T>& grad_y, const MatrixOf<T>& weight,
                          const MatrixOf<T>& u, MatrixOf<T>* grad_x, Conv2dScratchOf<T>* s,
                          MatrixOf<T>* grad_weight, MatrixOf<T>* grad_bias) const {
  using ConstMap = Eigen::Map<const MatrixOf<T>>;
  const bool param_grads = grad_weight != nullptr;
  if (grad_x != nullptr) grad_x->resize(in_dim(), x.cols());
  const int c_in = in_.channels, c_out = out_.channels;
  if (algorithm_ != ConvAlgorithm::kWinograd) {
    for (Eigen::Index n = 0; n < x.cols(); ++n) {
      const ConstMap gyn(grad_y.col(n).data(), out_.pixels(), c_out);
      if (param_grads) {
        im2col(x.col(n).data(), &s->cols);
        multiply(view_of(gyn), Transpose::kYes, view_of(s->cols), Transpose::kNo,
                 mutable_view_of(*grad_weight), true);
        grad_bias->col(0) += gyn.colwise().sum().transpose();
      }
      if (grad_x != nullptr) {
        s->cols.resize(out_.pixels(), weight.cols());
        multiply(view_of(gyn), Transpose::kNo, view_of(weight), Transpose::kNo, mutable_view_of(s->cols),
                 false);
        col2im(s->cols, grad_x->col(n).data());
      }
    }
    return;
  }
  const detail::WinogradGeometry g(in_, out_, padding_);
  if (param_grads) s->du.setZero(c_out, 16 * c_in);
  for (Eigen::Index n = 0; n < x.cols(); ++n) {
    detail::output_transform_adjoint(g, grad_y.col(n).data(), &s->m);
    if (param_grads) {
      detail::input_transform(g, x.col(n).data(), &s->v, &s->padded);
      for (int xi = 0; xi < 16; ++xi) {
        auto du_xi = s->du.middleCols(xi * c_in, c_in);
        multiply(view_of(s->m.middleCols(xi * c_out, c_out)), Transpose::kYes,
                 view_of(s->v.middleCols(xi * c_in, c_in)), Transpose::kNo, mutable_view_of(du_xi), true);
      }
      grad_bias->col(0) += ConstMap(grad_y.col(n).data(), out_.pixels(), c_out).colwise().sum().transpose();
    }
    if (grad_x != nullptr) {
      s->v.resize(g.tiles(), 16 * c_in);
      for (int xi = 0; xi < 16; ++xi) {
        auto v_xi = s->v.middleCols(xi * c_in, c_in);
        multiply(view_of(s->m.middleCols(xi * c_out, c_out)), Transpose::kNo,
                 view_of(u.middleCols(xi * c_in, c_in)), Transpose::kNo, mutable_view_of(v_xi), false);
      }
      detail::input_transform_adjoint(g, s->v, grad_x->col(n).data(), &s->padded);
    }
  }
  if (param_grads) detail::filter_transform_adjoint(s->du, c_in, grad_weight);
}

Parameters Conv2d::parameters() {
  return {{"weight", &weight_, &grad_weight_}, {"bias", &bias_, &grad_bias_}};
}

}  // namespace sbi::nn
