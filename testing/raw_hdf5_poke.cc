#include "testing/raw_hdf5_poke.h"

#include <hdf5.h>

#include <stdexcept>

namespace sbi::testing {

void poke_raw_value(const std::string& path, const std::string& name, size_t row, size_t col,
                    double value) {
  const hid_t file = H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error("poke_raw_value: cannot open " + path);
  const hid_t dset = H5Dopen2(file, name.c_str(), H5P_DEFAULT);
  if (dset < 0) {
    H5Fclose(file);
    throw std::runtime_error("poke_raw_value: no dataset " + name + " in " + path);
  }
  const hid_t space = H5Dget_space(dset);
  const hsize_t start[2] = {row, col}, count[2] = {1, 1};
  H5Sselect_hyperslab(space, H5S_SELECT_SET, start, nullptr, count, nullptr);
  const hid_t memory = H5Screate_simple(1, count, nullptr);
  const herr_t status = H5Dwrite(dset, H5T_NATIVE_DOUBLE, memory, space, H5P_DEFAULT, &value);
  H5Sclose(memory);
  H5Sclose(space);
  H5Dclose(dset);
  H5Fclose(file);
  if (status < 0) throw std::runtime_error("poke_raw_value: cannot write " + name + " in " + path);
}

}  // namespace sbi::testing
