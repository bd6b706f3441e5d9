// A 2-D convolution layer, C_in -> C_out channels, k x k kernel, stride 1, p rows and
// columns of zero padding on every side, as PyTorch's Conv2d(C_in, C_out, k, padding=p)
// (a cross-correlation):
//
//   y[o, i, j] = b[o] + Σ_{c, u, v} W[o, c, u, v] x[c, i + u - p, j + v - p]    (x = 0 outside)
//
// p = (k - 1) / 2 with odd k ('same') keeps H x W; p = 0 ('valid') gives (H-k+1) x (W-k+1).
// Images are in planes layout (nn/planes.h): a batch of B images is a (B*H*W) x C matrix.
//
// Implementation: im2col and one matrix product for the whole batch (Chellapilla et al. 2006).
// Column (c*k + u)*k + v of cols holds x[c, i + u - p, j + v - p] at row (n, i, j), so
//   y = cols Wᵀ + 1 bᵀ,  dL/dW += (dL/dy)ᵀ cols,  dL/db += (dL/dy)ᵀ 1,
//   dL/dx = col2im((dL/dy) W)   (col2im adds every entry back where im2col took it from).
// W is C_out x (C_in k²), PyTorch's (C_out, C_in, k, k) weight in row-major order.
// Measured against a direct loop (bench/bench_conv2d.cc, one core of the 2-core AMD EPYC,
// double, batch of 16 images, the layers of the default CnnEmbedding on 48 x 48 images):
// see the figures in conv2d.cc. FFT convolution is not offered: for k = 3 or 5 it needs
// more arithmetic than the direct sum (an (H+k-1)² transform per channel pair or per channel).
//
// forward() is const (thread-safe with a scratch matrix per thread); backward() adds into
// the layer's gradient buffers, as nn::Dense does.
#pragma once

#include "core/rng.h"
#include "nn/dense.h"
#include "nn/planes.h"

namespace sbi::nn {

class Conv2d {
 public:
  Conv2d() = default;
  // Throws core::Error for a kernel that does not fit the padded image, or sizes < 1.
  Conv2d(const ImageShape& in, int out_channels, int kernel, int padding);

  const ImageShape& in_shape() const { return in_; }
  const ImageShape& out_shape() const { return out_; }
  int kernel() const { return kernel_; }
  int padding() const { return padding_; }

  // As a Dense layer of fan-in C_in k² (kPyTorch is PyTorch's Conv2d default).
  void initialize(Init init, core::Rng* rng);

  // y = conv(x); `cols` is scratch (im2col of x), kept allocated between calls.
  void forward(const Matrix& x, Matrix* y, Matrix* cols) const;

  // Given x (the forward input) and dL/dy: adds dL/dW, dL/db into the gradient buffers
  // (unless param_grads is false) and, if grad_x is not null, writes dL/dx. `cols` is scratch.
  void backward(const Matrix& x, const Matrix& grad_y, Matrix* grad_x, Matrix* cols,
                bool param_grads = true);

  Parameters parameters();  // "weight" (C_out x C_in k²), "bias" (C_out x 1)
  Matrix& weight() { return weight_; }
  Matrix& bias() { return bias_; }

 private:
  void im2col(const Matrix& x, Eigen::Index images, Matrix* cols) const;
  void col2im(const Matrix& cols, Eigen::Index images, Matrix* x) const;

  ImageShape in_, out_;
  int kernel_ = 0, padding_ = 0;
  Matrix weight_, bias_, grad_weight_, grad_bias_;
};

}  // namespace sbi::nn
