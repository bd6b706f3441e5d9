// A 2-D convolution layer, C_in -> C_out channels, k x k kernel, stride 1, p rows and
// columns of zero padding on every side, as PyTorch's Conv2d(C_in, C_out, k, padding=p)
// (a cross-correlation):
//
//   y[o, i, j] = b[o] + Σ_{c, u, v} W[o, c, u, v] x[c, i + u - p, j + v - p]    (x = 0 outside)
//
// p = (k - 1) / 2 with odd k ('same') keeps H x W; p = 0 ('valid') gives (H-k+1) x (W-k+1).
// A batch of B images is a (C*H*W) x B matrix, one image per column (nn/image_shape.h).
// W is C_out x (C_in k²), PyTorch's (C_out, C_in, k, k) weight in row-major order.
//
// Two algorithms, both image by image so that one image's intermediate matrices stay in
// the core's cache (over 8 images at once the same products ran 1.4x slower):
//
// im2col (Chellapilla et al. 2006), any k. With one image's input X (H*W x C_in) and output
// Y (H'*W' x C_out) seen as matrices (column c = channel c), column (c*k + u)*k + v of cols
// holds x[c, i + u - p, j + v - p] at row i*W' + j, and
//   Y = cols Wᵀ + 1 bᵀ,  dL/dW += (dL/dY)ᵀ cols,  dL/db += (dL/dY)ᵀ 1,
//   dL/dX = col2im((dL/dY) W)   (col2im adds every entry back where im2col took it from).
//
// Winograd F(2x2, 3x3) (nn/detail/winograd.h), k = 3 only: 16 products of (tiles x C_in)
// by (C_in x C_out) per image, 2.25x fewer multiplications than im2col; the transforms add
// no rounding beyond that of the sums (their constants are 0, ±1 and ±1/2).
//
// Measured (bench/bench_conv2d.cc: one core of the 2-core AMD EPYC, double, 16 images,
// best of 40, the machine shared with other builds (load 3.5); the layers of the default
// CnnEmbedding on 48 x 48 images), ms for the forward pass / the backward pass (both
// gradients):
//
//   layer, kernel      direct loop      im2col + GEMM    Winograd F(2x2, 3x3)
//   48² 1 -> 16, 3     1.10 / 3.28      0.35 / 0.77      1.05 / 1.25
//   24² 16 -> 32, 3   14.7 / 37.9       2.03 / 3.91      1.45 / 3.33
//   12² 32 -> 64, 3   25.3 / 54.6       1.93 / 3.61      1.46 / 3.02
//   24² 16 -> 32, 5   37.8 / 104        5.85 / 11.2
//
// The matrix products beat the direct loop 3-15x; Winograd beats im2col from 8 input
// channels on (the crossover table is in conv2d.cc); kAuto picks accordingly. FFT
// convolution was not implemented, by operation count: for 24² 16 -> 32, 3 x 3, it needs
// about 2.3 MFLOP per image (48 real 26 x 26 transforms and 16 x 32 x 364 complex
// multiply-adds) against 2.4 for Winograd and 5.3 for im2col, in complex arithmetic, and it
// would bring FFTW into nn/, which depends on Eigen and OpenMP only.
//
// prepare() transforms the filters for the algorithm once per weight update (the batch's
// chunks and the backward pass share them); forward() is const (thread-safe with a scratch
// object per thread); backward() adds into the layer's gradient buffers, as nn::Dense does.
//
// Both passes also run in single precision (Precision::kFloat32, for training): filters
// prepared in float (the double filters rounded), float images in and out, the products and
// transforms in float, and the weight gradients summed over the call's images in float,
// then widened into the double buffers. The weights stay double.
#pragma once

#include "core/rng.h"
#include "nn/dense.h"
#include "nn/gemm.h"
#include "nn/image_shape.h"

namespace sbi::nn {

enum class ConvAlgorithm { kAuto, kIm2col, kWinograd };

// The filters as the algorithm uses them, made by Conv2d::prepare from the current weights
// and valid until they change; read-only, shared by any number of threads.
struct Conv2dFilters {
  Matrix u;  // Winograd: U = G g Gᵀ, C_out x 16 C_in (nn/detail/winograd.h); im2col: empty
  // Made with Precision::kFloat32 only: u, the weights and the bias rounded to float.
  Precision precision = Precision::kFloat64;
  MatrixF u_single, weight_single, bias_single;
};

// Caller-owned scratch of Conv2d, one per thread and precision; kept allocated between calls.
template <class T>
struct Conv2dScratchOf {
  MatrixOf<T> cols;    // im2col: one image's patches, or their gradient
  MatrixOf<T> du;      // Winograd: gradient of the transformed filters
  MatrixOf<T> v, m;    // Winograd: one image's transformed tiles, and products (or gradients)
  MatrixOf<T> padded;  // Winograd: one zero-padded plane, split in even and odd columns
  MatrixOf<T> grad_weight, grad_bias;  // float: the call's weight gradients before widening
};
using Conv2dScratch = Conv2dScratchOf<double>;
using Conv2dScratchF = Conv2dScratchOf<float>;

class Conv2d {
 public:
  Conv2d() = default;
  // Throws core::Error for a kernel that does not fit the padded image, sizes < 1, or
  // kWinograd with k != 3.
  Conv2d(const ImageShape& in, int out_channels, int kernel, int padding,
         ConvAlgorithm algorithm = ConvAlgorithm::kAuto);

  const ImageShape& in_shape() const { return in_; }
  const ImageShape& out_shape() const { return out_; }
  Eigen::Index in_dim() const { return in_.flat_dim(); }
  Eigen::Index out_dim() const { return out_.flat_dim(); }
  int kernel() const { return kernel_; }
  int padding() const { return padding_; }
  ConvAlgorithm algorithm() const { return algorithm_; }  // never kAuto

  // As a Dense layer of fan-in C_in k² (kPyTorch is PyTorch's Conv2d default).
  void initialize(Init init, core::Rng* rng);

  // The filters for forward() and backward(); again after every change of the weights.
  // kFloat32 adds their float copies, for the float passes.
  void prepare(Conv2dFilters* filters, Precision precision = Precision::kFloat64) const;

  // y = conv(x) for x of in_dim() rows. Throws core::Error when x has another number of
  // rows or the filters were not prepared by this layer (in float: with kFloat32).
  void forward(const Matrix& x, const Conv2dFilters& filters, Matrix* y, Conv2dScratch* scratch) const;
  void forward(const MatrixF& x, const Conv2dFilters& filters, MatrixF* y, Conv2dScratchF* scratch) const;

  // Given x (the forward input) and dL/dy: adds dL/dW, dL/db into the gradient buffers
  // (unless param_grads is false) and, if grad_x is not null, writes dL/dx.
  void backward(const Matrix& x, const Matrix& grad_y, const Conv2dFilters& filters, Matrix* grad_x,
                Conv2dScratch* scratch, bool param_grads = true);
  void backward(const MatrixF& x, const MatrixF& grad_y, const Conv2dFilters& filters, MatrixF* grad_x,
                Conv2dScratchF* scratch, bool param_grads = true);

  Parameters parameters();  // "weight" (C_out x C_in k²), "bias" (C_out x 1)
  Matrix& weight() { return weight_; }
  Matrix& bias() { return bias_; }

 private:
  void check_input(Eigen::Index rows, const Conv2dFilters& filters, Precision precision,
                   const char* function) const;
  // One image (H*W x C_in, column-major) <-> its H'*W' x C_in k² patch matrix.
  template <class T>
  void im2col(const T* image, MatrixOf<T>* cols) const;
  template <class T>
  void col2im(const MatrixOf<T>& cols, T* image) const;
  // The passes in either precision, with the weights, bias and Winograd filters of it; the
  // backward pass adds the weight gradients into grad_weight and grad_bias.
  template <class T>
  void forward_any(const MatrixOf<T>& x, const MatrixOf<T>& weight, const MatrixOf<T>& bias,
                   const MatrixOf<T>& u, MatrixOf<T>* y, Conv2dScratchOf<T>* s) const;
  template <class T>
  void backward_any(const MatrixOf<T>& x, const MatrixOf<T>& grad_y, const MatrixOf<T>& weight,
                    const MatrixOf<T>& u, MatrixOf<T>* grad_x, Conv2dScratchOf<T>* s,
                    MatrixOf<T>* grad_weight, MatrixOf<T>* grad_bias) const;

  ImageShape in_, out_;
  int kernel_ = 0, padding_ = 0;
  ConvAlgorithm algorithm_ = ConvAlgorithm::kIm2col;
  Matrix weight_, bias_, grad_weight_, grad_bias_;
};

}  // namespace sbi::nn
