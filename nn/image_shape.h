// The shape of the images that convolutional layers take, and their layout in a batch.
//
// The toolkit hands networks one sample per column (nn/matrix.h, core/data_shape.h): an
// image of C channels of H x W pixels is the flat vector of its (C, H, W) array in C order,
// entry c*H*W + y*W + x. Files store images as (N, H, W) or (N, C, H, W) row-major arrays and
// sbi/simulation_data.cc keeps that order, so row y runs along the file's first image axis
// and column x along the second. A batch of B images is a (C*H*W) x B matrix; seen as an
// H*W x C column-major matrix, one image's column holds one channel per column, each
// channel a contiguous row-major plane. Every H*W block of the storage is one plane.
#pragma once

#include <Eigen/Core>
#include <string>

namespace sbi::nn {

struct ImageShape {
  int channels = 1;
  int height = 0;
  int width = 0;

  Eigen::Index pixels() const { return static_cast<Eigen::Index>(height) * width; }
  Eigen::Index flat_dim() const { return pixels() * channels; }
  // "3 x 16 x 16 (channels x height x width)".
  std::string describe() const {
    return std::to_string(channels) + " x " + std::to_string(height) + " x " + std::to_string(width) +
           " (channels x height x width)";
  }
  bool operator==(const ImageShape& o) const {
    return channels == o.channels && height == o.height && width == o.width;
  }
};

}  // namespace sbi::nn
