#include "testing/raw_hdf5.h"

#include <hdf5.h>

#include <stdexcept>
#include <unistd.h>

namespace sbi::testing {

void write_raw_dataset(const std::string& path, const std::string& name,
                       const std::vector<double>& row_major, size_t rows, size_t cols,
                       bool as_float32) {
  const hid_t file = access(path.c_str(), F_OK) == 0
                         ? H5Fopen(path.c_str(), H5F_ACC_RDWR, H5P_DEFAULT)
                         : H5Fcreate(path.c_str(), H5F_ACC_TRUNC, H5P_DEFAULT, H5P_DEFAULT);
  if (file < 0) throw std::runtime_error("write_raw_dataset: cannot open " + path);
  const hsize_t dims[2] = {rows, cols};
  const hid_t space = H5Screate_simple(cols == 0 ? 1 : 2, dims, nullptr);
  const hid_t file_type = as_float32 ? H5T_IEEE_F32LE : H5T_IEEE_F64LE;
  const hid_t dset = H5Dcreate2(file, name.c_str(), file_type, space, H5P_DEFAULT, H5P_DEFAULT, H5P_DEFAULT);
  H5Dwrite(dset, H5T_NATIVE_DOUBLE, H5S_ALL, H5S_ALL, H5P_DEFAULT, row_major.data());
  H5Dclose(dset);
  H5Sclose(space);
  H5Fclose(file);
}

}  // namespace sbi::testing
