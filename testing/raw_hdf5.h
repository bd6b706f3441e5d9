// Writes HDF5 files the way a user's own code would (plain datasets, no attributes, any
// float type), with the raw HDF5 C API rather than the toolkit's io/ layer.
#pragma once

#include <string>
#include <vector>

namespace sbi::testing {

// Row-major (rows, cols) float32 or float64 dataset `name` (e.g. "/theta") in a file that
// is created or, if it exists, appended to. cols = 0 writes a 1-D dataset of length rows.
void write_raw_dataset(const std::string& path, const std::string& name,
                       const std::vector<double>& row_major, size_t rows, size_t cols,
                       bool as_float32);

}  // namespace sbi::testing
