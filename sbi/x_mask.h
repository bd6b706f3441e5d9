// Which pixels of x a model uses (`sbi train --mask FILE`): FILE holds /mask, 1 = use the
// pixel, 0 = ignore it (a bad column, a cosmic ray, a neighbouring galaxy), of the shape of
// one x: (H, W) for an image of one channel, (C, H, W) or (H, W) (then for every channel)
// for C channels, (D,) for a vector of D numbers. An observation file holding /mask beside
// /x, /psf and /noise_map is such a file. Sets are refused: their rows are masked by their
// presence flags, and a row position means nothing to a set.
//
// The mask becomes part of the model's x standardisation (Standardizer::mask of
// PosteriorModel::x_norm, stored in the model file), so it applies identically to every
// training simulation and to every observation the model conditions on, in every command.
#pragma once

#include <string>
#include <vector>

#include "core/data_shape.h"
#include "io/h5_file.h"
#include "sbi/standardizer.h"

namespace sbi {

// The shape a mask of x with `shape` has in a file: (H, W), (C, H, W) or (D,).
std::vector<size_t> x_mask_file_shape(const core::DataShape& shape);

// Refuses set data and a file shape other than x's mask shape (or, for several channels, one
// channel's): for masks and per-pixel maps such as a noise map. `where` starts the message.
void check_pixel_map_shape(const std::vector<size_t>& file_shape, const core::DataShape& shape,
                           const std::string& where);
// `path` opened for reading a mask or a noise map; a file that cannot be opened is a
// core::Error starting with `what` ("--mask: ...").
io::H5File open_pixel_map_file(const std::string& path, const std::string& what);
// The file position of row-major index i of an array of `shape`: "(3, 17)".
std::string pixel_position(size_t i, const std::vector<size_t>& shape);

// The mask in `path`'s /mask for x of `shape`, one entry per dimension of x. Throws
// core::Error starting with `what` (e.g. "--mask") and naming the file for a missing file or
// dataset, a shape other than x's (naming both), a value other than 0 or 1 (NaN included,
// naming its position), a mask of only zeros, or set data.
Standardizer::Mask read_x_mask(const std::string& path, const core::DataShape& shape,
                               const std::string& what = "mask file");

// `values` (row-major, of the file shape `file_shape` of x's mask) as a mask of x: every
// value 0 or 1, at least one 1, an (H, W) mask repeated for each channel of x. `where` names
// the dataset at the start of each error message ("model.h5: /normalization/x_mask").
Standardizer::Mask x_mask_from_values(const std::vector<double>& values,
                                      const std::vector<size_t>& file_shape,
                                      const core::DataShape& shape, const std::string& where);

}  // namespace sbi
