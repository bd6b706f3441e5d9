// The shape of x (core/data_shape.h) as root attributes of a simulation or model file:
//   set:   set_size S, set_features F, set_masked 0/1      (the layout of /x's rows)
//   image: image_channels C, image_height H, image_width W (also visible from /x's rank)
// absent for a plain vector, so files without them read as vectors.
#pragma once

#include "core/data_shape.h"
#include "io/h5_file.h"

namespace sbi::io {

void write_shape_attributes(H5File& f, const core::DataShape& shape);

// The shape the attributes declare, or a vector of dimension 0 (not declared) when there
// are none. Throws core::Error naming the file for incomplete or non-positive attributes.
core::DataShape read_shape_attributes(const H5File& f);

}  // namespace sbi::io
