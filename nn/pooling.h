// Pooling of images (one per column, nn/image_shape.h), forward and backward.
//
// 2 x 2 pooling, stride 2, as PyTorch's AvgPool2d(2) / MaxPool2d(2): an H x W plane becomes
// floor(H/2) x floor(W/2); an odd last row or column is dropped (its gradient is zero).
//   average: y[i, j] = (x[2i, 2j] + x[2i, 2j+1] + x[2i+1, 2j] + x[2i+1, 2j+1]) / 4,
//            dL/dx[2i+a, 2j+b] = dL/dy[i, j] / 4;
//   max:     y[i, j] = the largest of the four; dL/dy[i, j] goes to that pixel alone (the
//            first of the four in row-major order on a tie).
// Global average pooling: one number per channel and image, the mean over its H x W pixels,
// returned one image per column (C x B), ready for a dense layer. Each in double or float.
#pragma once

#include <string>
#include <vector>

#include "nn/image_shape.h"
#include "nn/matrix.h"

namespace sbi::nn {

enum class ImagePooling { kAverage = 0, kMax = 1 };

// "avg", "max" <-> enum; parse throws core::Error on an unknown name.
ImagePooling parse_image_pooling(const std::string& name);
std::string image_pooling_name(ImagePooling pooling);
std::vector<std::string> image_pooling_names();  // in the order of the enum

// The shape after 2 x 2 pooling (channels unchanged).
ImageShape pooled_shape(const ImageShape& in);

// y = pool(x) for images x of shape `in`; y holds images of pooled_shape(in). Throws
// core::Error when x does not have in.flat_dim() rows.
void pool_2x2(ImagePooling pooling, const Matrix& x, const ImageShape& in, Matrix* y);
void pool_2x2(ImagePooling pooling, const MatrixF& x, const ImageShape& in, MatrixF* y);

// dL/dx from dL/dy; x is the forward input (max pooling finds the winners in it again;
// average pooling does not read it).
void pool_2x2_backward(ImagePooling pooling, const Matrix& x, const ImageShape& in, const Matrix& grad_y,
                       Matrix* grad_x);
void pool_2x2_backward(ImagePooling pooling, const MatrixF& x, const ImageShape& in, const MatrixF& grad_y,
                       MatrixF* grad_x);

// y(c, n) = mean of channel c of image n: images of shape `in` -> C x B.
void global_average_pool(const Matrix& x, const ImageShape& in, Matrix* y);
void global_average_pool(const MatrixF& x, const ImageShape& in, MatrixF* y);
void global_average_pool_backward(const ImageShape& in, const Eigen::Ref<const Matrix>& grad_y,
                                  Matrix* grad_x);
void global_average_pool_backward(const ImageShape& in, const Eigen::Ref<const MatrixF>& grad_y,
                                  MatrixF* grad_x);

}  // namespace sbi::nn
