// Images inside the convolutional layers: the "planes" layout.
//
// The toolkit hands networks one image per column (nn/matrix.h, core/data_shape.h): an image
// of C channels of H x W pixels is the flat vector of its (C, H, W) array in C order, entry
// c*H*W + y*W + x (files store (N, H, W) or (N, C, H, W) row-major, sbi/simulation_data.cc
// keeps that order). Row y runs along the image's first file axis, column x along the second.
//
// Convolution, pooling and activations see a batch of B images as one (B*H*W) x C matrix:
// column c is channel c of image 0, then of image 1, ..., each plane row-major, so that one
// channel of one image is a contiguous H*W block (the (C, N, H, W) order). A convolution of
// the whole batch is then a single matrix product (nn/conv2d.h). For C = 1 both layouts hold
// the same numbers in the same order.
#pragma once

#include <string>

#include "nn/matrix.h"

namespace sbi::nn {

struct ImageShape {
  int channels = 1;
  int height = 0;
  int width = 0;

  Eigen::Index pixels() const { return static_cast<Eigen::Index>(height) * width; }
  Eigen::Index flat_dim() const { return pixels() * channels; }
  std::string describe() const;  // "3 x 16 x 16 (channels x height x width)"
  bool operator==(const ImageShape& o) const {
    return channels == o.channels && height == o.height && width == o.width;
  }
};

// (C*H*W) x B, one image per column -> (B*H*W) x C planes.
void to_planes(const Eigen::Ref<const Matrix>& images, const ImageShape& shape, Matrix* planes);
// The inverse: (B*H*W) x C planes -> (C*H*W) x B, one image per column.
void from_planes(const Matrix& planes, const ImageShape& shape, Matrix* images);

// The number of images B in a planes matrix of `shape`; throws core::Error naming `context`
// when the matrix does not hold whole images of that shape.
Eigen::Index count_images(const Matrix& planes, const ImageShape& shape, const std::string& context);

}  // namespace sbi::nn
