// Damages an existing HDF5 file on purpose, as a bad disk or a diverged run would: sets one
// element of a float dataset with the raw HDF5 C API (not io/, whose writers may refuse it).
#pragma once

#include <string>

namespace sbi::testing {

// Sets element (row, col) of the 2-D dataset `name` (file order; col is ignored, use 0, for a
// 1-D dataset) to `value`. Throws std::runtime_error if the file or dataset cannot be opened.
void poke_raw_value(const std::string& path, const std::string& name, size_t row, size_t col,
                    double value);

}  // namespace sbi::testing
