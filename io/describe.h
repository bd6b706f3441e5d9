// A human-readable summary of any HDF5 file, for `sbi info`.
#pragma once

#include <string>

namespace sbi::io {

// The root attributes, then every group and dataset as an indented tree: dataset shape,
// dtype, named dimensions, its own attributes, and for numeric datasets with at most 2
// dimensions and 10^7 elements a per-column table of mean / std / min / max (up to 12
// columns). Throws core::Error if the file cannot be opened.
std::string describe_file(const std::string& path);

}  // namespace sbi::io
