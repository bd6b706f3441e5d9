// Winograd's minimal filtering F(2x2, 3x3) for nn::Conv2d (Lavin & Gray 2016, "Fast
// algorithms for convolutional neural networks"): each 2 x 2 output tile of a 3 x 3
// cross-correlation is computed from the 4 x 4 input tile d around it as
//
//   Y = Aᵀ [ Σ_c (G g_c Gᵀ) ⊙ (Bᵀ d_c B) ] A,
//
//   Bᵀ = [1  0 -1  0]    G = [ 1    0    0 ]    Aᵀ = [1  1  1  0]
//        [0  1  1  0]        [1/2  1/2  1/2]         [0  1 -1 -1]
//        [0 -1  1  0]        [1/2 -1/2  1/2]
//        [0  1  0 -1]        [ 0    0    1 ]
//
// 16 multiplications per tile and channel pair instead of 36. Gathered over the T tiles of
// an image, the 16 element-wise products become 16 matrix products:
//   M_ξ (T x C_out) = V_ξ (T x C_in) U_ξᵀ,   V_ξ = (Bᵀ d B)_ξ,   U_ξ = (G g Gᵀ)_ξ  (C_out x C_in).
// The gradients are the adjoints of the same linear maps, in reverse order:
//   dM = A dY Aᵀ per tile,  dU_ξ = dM_ξᵀ V_ξ,  dg = Gᵀ dU G,  dV_ξ = dM_ξ U_ξ,  dd = B dV Bᵀ.
// All transforms use the constants 0, ±1, ±1/2 only, so they add no rounding beyond the
// sums themselves. Each runs in double or in float (T), the precision of the layer's pass.
//
// Layouts: U is C_out x 16 C_in and V is T x 16 C_in, block ξ = 4a + b holding entry (a, b)
// of the transformed 4 x 4 tile; M is T x 16 C_out. Tiles run row by row over the output.
#pragma once

#include "nn/gemm.h"
#include "nn/image_shape.h"
#include "nn/matrix.h"

namespace sbi::nn::detail {

// A 3 x 3 convolution with `padding` zero rows and columns on every side.
struct WinogradGeometry {
  ImageShape in, out;
  int padding = 1;
  int tiles_h = 0, tiles_w = 0;  // ceil(H'/2), ceil(W'/2)

  WinogradGeometry(const ImageShape& in, const ImageShape& out, int padding);
  Eigen::Index tiles() const { return static_cast<Eigen::Index>(tiles_h) * tiles_w; }
  // The zero-padded plane every input tile lies in: (2 tiles_h + 2) x (2 tiles_w + 2).
  int padded_h() const { return 2 * tiles_h + 2; }
};

// U = G g Gᵀ for every filter; weight is C_out x 9 C_in (PyTorch order).
template <class T>
void filter_transform(const MatrixOf<T>& weight, int in_channels, MatrixOf<T>* u);
// grad_weight += Gᵀ dU G.
template <class T>
void filter_transform_adjoint(const MatrixOf<T>& du, int in_channels, MatrixOf<T>* grad_weight);

// V = Bᵀ d B for every tile and channel of one image (H*W x C_in, column-major).
// `padded` is scratch for one zero-padded plane.
template <class T>
void input_transform(const WinogradGeometry& g, const T* image, MatrixOf<T>* v, MatrixOf<T>* padded);
// grad_image = Σ over tiles of B dV Bᵀ, placed back where each tile came from.
template <class T>
void input_transform_adjoint(const WinogradGeometry& g, const MatrixOf<T>& dv, T* grad_image,
                             MatrixOf<T>* padded);

// y = Aᵀ M A + b for every tile and output channel (y: H'*W' x C_out, column-major; bias:
// C_out entries).
template <class T>
void output_transform(const WinogradGeometry& g, const MatrixOf<T>& m, const T* bias, T* y);
// dM = A dY Aᵀ (entries of a tile beyond the output's last row or column count as 0).
template <class T>
void output_transform_adjoint(const WinogradGeometry& g, const T* grad_y, MatrixOf<T>* dm);

}  // namespace sbi::nn::detail
