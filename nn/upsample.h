// Nearest-neighbour 2x upsampling of images (one per column, nn/image_shape.h), as PyTorch's
// Upsample(scale_factor=2, mode="nearest"), and cropping to a smaller size: the steps that
// take a convolutional decoder (vae/conv_decoder.h) from a small feature map to an image.
//
//   upsample: y[c, 2i + a, 2j + b] = x[c, i, j]  (a, b in {0, 1}),
//             dL/dx[c, i, j] = Σ_{a, b} dL/dy[c, 2i + a, 2j + b];
//   crop:     y[c, i, j] = x[c, i, j] for i < H', j < W' (the top-left corner),
//             dL/dx = dL/dy there and 0 elsewhere.
#pragma once

#include "nn/image_shape.h"
#include "nn/matrix.h"

namespace sbi::nn {

// (C, 2H, 2W).
ImageShape upsampled_shape(const ImageShape& in);
// Throws core::Error when x does not have in.flat_dim() rows.
void upsample_2x(const Matrix& x, const ImageShape& in, Matrix* y);
void upsample_2x_backward(const ImageShape& in, const Matrix& grad_y, Matrix* grad_x);

// The top-left out.height x out.width pixels of every channel (same channels, out no larger
// than in). Throws core::Error on a size mismatch.
void crop_images(const Matrix& x, const ImageShape& in, const ImageShape& out, Matrix* y);
void crop_images_backward(const ImageShape& in, const ImageShape& out, const Matrix& grad_y,
                          Matrix* grad_x);

}  // namespace sbi::nn
