// H5File: reading and writing numeric datasets. The (N, D) <-> D x N transposition is free:
// a column-major D x N Eigen matrix has exactly the memory layout of a row-major (N, D) array.
#include <cmath>
#include <sstream>

#include "core/error.h"
#include "core/memory_budget.h"
#include "io/detail/h5_handle.h"
#include "io/detail/h5_objects.h"
#include "io/h5_file.h"

namespace sbi::io {

using detail::Handle;

namespace {

std::string shape_string(const std::vector<size_t>& shape) {
  std::string out = "(";
  for (size_t i = 0; i < shape.size(); ++i) {
    out += (i ? ", " : "") + std::to_string(shape[i]);
  }
  return out + (shape.size() == 1 ? ",)" : ")");
}

// An open dataset whose elements are integers or floats.
struct NumericDataset {
  Handle dataset;
  std::vector<size_t> shape;
  std::string dtype;
  bool is_integer = false;
  size_t size() const {
    size_t n = 1;
    for (size_t s : shape) n *= s;
    return n;
  }
};

NumericDataset open_numeric(hid_t file, const std::string& file_path, const std::string& name,
                            const char* function) {
  NumericDataset out;
  out.dataset = detail::open_dataset(file, file_path, name, function);
  const std::string where = std::string(function) + ": " + detail::located(name, file_path);
  Handle type = detail::checked(H5Dget_type(out.dataset.get()), H5Tclose, where + ": no type");
  out.dtype = detail::dtype_name(type.get());
  const H5T_class_t cls = H5Tget_class(type.get());
  if (cls != H5T_INTEGER && cls != H5T_FLOAT) {
    throw core::Error(where + " has type " + out.dtype + ", expected integers or floats");
  }
  out.is_integer = cls == H5T_INTEGER;
  // A corrupt datatype message can declare elements of gigabytes; libhdf5 would then allocate
  // a conversion buffer of that size for a two-element read.
  const size_t element_bytes = H5Tget_size(type.get());
  if (element_bytes == 0 || element_bytes > 16) {
    throw core::Error(where + " has elements of " + std::to_string(element_bytes) +
                      " bytes (corrupt file? numbers take 1 to 16)");
  }
  Handle space = detail::checked(H5Dget_space(out.dataset.get()), H5Sclose, where + ": no shape");
  for (hsize_t n : detail::dataspace_dims(space.get())) out.shape.push_back(static_cast<size_t>(n));
  return out;
}

// Refuses a dataset whose values were not all written: unwritten values read back as the
// fill value (zeros), as if they were data, so a file whose run stopped after creating its
// datasets, or a few bytes declaring 10^8 rows, would otherwise train on zeros.
void check_written(const NumericDataset& d, const std::string& where) {
  if (d.size() == 0) return;
  hid_t dataset = d.dataset.get();
  Handle plist = detail::checked(H5Dget_create_plist(dataset), H5Pclose, where + ": no creation properties");
  bool none = false, part = false;
  if (H5Pget_layout(plist.get()) == H5D_CHUNKED) {
    // Chunks present against chunks needed (the storage status would call a compressed
    // dataset partly allocated: it compares compressed bytes with the full size).
    std::vector<hsize_t> chunk(d.shape.size());
    core::check(H5Pget_chunk(plist.get(), static_cast<int>(chunk.size()), chunk.data()) ==
                    static_cast<int>(chunk.size()),
                where + ": unreadable chunk shape");
    double needed = 1;
    for (size_t i = 0; i < chunk.size(); ++i) {
      core::check(chunk[i] > 0, where + ": a chunk of extent 0 (corrupt file?)");
      needed *= std::ceil(static_cast<double>(d.shape[i]) / static_cast<double>(chunk[i]));
    }
    hsize_t present = 0;
    Handle space = detail::checked(H5Dget_space(dataset), H5Sclose, where + ": no shape");
    detail::check_status(H5Dget_num_chunks(dataset, space.get(), &present),
                         where + ": unreadable chunk index");
    none = present == 0;
    part = !none && static_cast<double>(present) < needed;
  } else {
    H5D_space_status_t status = H5D_SPACE_STATUS_ERROR;
    detail::check_status(H5Dget_space_status(dataset, &status), where + ": no storage status");
    none = status == H5D_SPACE_STATUS_NOT_ALLOCATED;
    part = status == H5D_SPACE_STATUS_PART_ALLOCATED;
  }
  if (none || part) {
    throw core::Error(where + " of shape " + shape_string(d.shape) +
                      (part ? " was only partly written" : " holds no data: it was never written") +
                      " (an interrupted or preallocated file?)");
  }
}

// Refuses, before anything is allocated, a dataset whose declared shape needs more memory
// than this machine has: a file can declare 10^10 rows in a few hundred bytes (a chunked
// dataset with no chunks written); then, one whose values were not all written. Counts as
// doubles, so no product of extents overflows.
//   "read_matrix: /x in sims.h5 of shape (10000000000, 2) needs 149 GiB, more than ..."
void check_fits(const NumericDataset& d, double bytes_per_value, const std::string& where) {
  double values = 1;
  for (size_t s : d.shape) values *= static_cast<double>(s);
  core::check_memory(values * bytes_per_value, where + " of shape " + shape_string(d.shape));
  check_written(d, where);
}

// Reads all elements, converted by HDF5 to `mem_type`, into `out` (room for size() values).
void read_all(const NumericDataset& d, hid_t mem_type, void* out, const std::string& where) {
  if (d.size() == 0) return;
  detail::check_status(H5Dread(d.dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, out),
                       where + ": read failed");
}

std::vector<hsize_t> chunk_dims(const std::vector<hsize_t>& dims, const WriteOptions& options,
                                const std::string& where) {
  std::vector<hsize_t> chunk(dims);
  if (!options.chunk_shape.empty()) {
    if (options.chunk_shape.size() != dims.size()) {
      throw core::Error(where + ": chunk_shape has " + std::to_string(options.chunk_shape.size()) +
                        " dimensions, the dataset " + std::to_string(dims.size()));
    }
    for (size_t i = 0; i < dims.size(); ++i) {
      if (options.chunk_shape[i] == 0 || options.chunk_shape[i] > dims[i]) {
        throw core::Error(where + ": chunk_shape[" + std::to_string(i) + "] = " +
                          std::to_string(options.chunk_shape[i]) + " must be in 1.." +
                          std::to_string(dims[i]));
      }
      chunk[i] = options.chunk_shape[i];
    }
    return chunk;
  }
  // Whole rows, about 1 MiB of float64 per chunk.
  hsize_t row = 1;
  for (size_t i = 1; i < dims.size(); ++i) row *= dims[i];
  const hsize_t rows = std::max<hsize_t>(1, (hsize_t{1} << 17) / std::max<hsize_t>(row, 1));
  chunk[0] = std::min(dims[0], rows);
  return chunk;
}

// Creates `name` (and its parent groups) with the given shape and types and writes `data`.
void write_dataset(hid_t file, const std::string& file_path, const std::string& name,
                   const std::vector<hsize_t>& dims, hid_t mem_type, hid_t file_type,
                   const void* data, const WriteOptions& options, const char* function) {
  const std::string where = std::string(function) + ": " + detail::located(name, file_path);
  if (detail::object_exists(file, name)) throw core::Error(where + " already exists");
  if (options.compress && (options.deflate_level < 1 || options.deflate_level > 9)) {
    throw core::Error(where + ": deflate_level = " + std::to_string(options.deflate_level) +
                      " must be in 1..9");
  }
  detail::create_groups(file, file_path, detail::parent_path(name), function);

  Handle space = detail::checked(
      H5Screate_simple(static_cast<int>(dims.size()), dims.data(), nullptr), H5Sclose,
      where + ": cannot make a dataspace");
  Handle dcpl = detail::checked(H5Pcreate(H5P_DATASET_CREATE), H5Pclose, where + ": H5Pcreate");
  const unsigned order = H5P_CRT_ORDER_TRACKED | H5P_CRT_ORDER_INDEXED;
  detail::check_status(H5Pset_attr_creation_order(dcpl.get(), order), where);
  hsize_t total = 1;
  for (hsize_t n : dims) total *= n;
  // Chunks cannot be empty, so empty datasets stay contiguous.
  if (options.compress && !dims.empty() && total > 0) {
    const std::vector<hsize_t> chunk = chunk_dims(dims, options, where);
    detail::check_status(H5Pset_chunk(dcpl.get(), static_cast<int>(chunk.size()), chunk.data()),
                         where + ": H5Pset_chunk failed");
    detail::check_status(H5Pset_shuffle(dcpl.get()), where + ": H5Pset_shuffle failed");
    detail::check_status(H5Pset_deflate(dcpl.get(), static_cast<unsigned>(options.deflate_level)),
                         where + ": H5Pset_deflate failed");
  }
  Handle dataset = detail::checked(
      H5Dcreate2(file, name.c_str(), file_type, space.get(), H5P_DEFAULT, dcpl.get(), H5P_DEFAULT),
      H5Dclose, where + ": cannot create the dataset");
  if (total > 0) {
    detail::check_status(H5Dwrite(dataset.get(), mem_type, H5S_ALL, H5S_ALL, H5P_DEFAULT, data),
                         where + ": write failed");
  }
}

}  // namespace

Eigen::MatrixXd H5File::read_matrix(const std::string& dataset, long expected_cols,
                                    NanPolicy nan_policy) const {
  require_open("read_matrix");
  const std::string where = "read_matrix: " + detail::located(dataset, path_);
  NumericDataset d = open_numeric(id_, path_, dataset, "read_matrix");
  if (d.shape.empty() || d.shape.size() > 2) {
    throw core::Error(where + " has shape " + shape_string(d.shape) +
                      ", expected (N, D) or (N,)");
  }
  const size_t rows = d.shape[0];
  const size_t cols = d.shape.size() == 2 ? d.shape[1] : 1;
  if (expected_cols >= 0 && cols != static_cast<size_t>(expected_cols)) {
    throw core::Error(where + " has " + std::to_string(cols) + " column" + (cols == 1 ? "" : "s") +
                      ", expected " + std::to_string(expected_cols));
  }
  check_fits(d, sizeof(double), where);
  Eigen::MatrixXd out(static_cast<Eigen::Index>(cols), static_cast<Eigen::Index>(rows));
  read_all(d, H5T_NATIVE_DOUBLE, out.data(), where);
  if (nan_policy == NanPolicy::kReject && !out.allFinite()) {
    for (Eigen::Index n = 0; n < out.cols(); ++n) {
      for (Eigen::Index j = 0; j < out.rows(); ++j) {
        if (!std::isfinite(out(j, n))) {
          std::ostringstream message;
          message << where << " has a non-finite value (" << out(j, n) << ") at row " << n
                  << ", column " << j;
          throw core::Error(message.str());
        }
      }
    }
  }
  return out;
}

Eigen::VectorXd H5File::read_vector(const std::string& dataset) const {
  require_open("read_vector");
  const std::string where = "read_vector: " + detail::located(dataset, path_);
  NumericDataset d = open_numeric(id_, path_, dataset, "read_vector");
  const bool is_vector = d.shape.size() == 1 ||
                         (d.shape.size() == 2 && (d.shape[0] == 1 || d.shape[1] == 1));
  if (!is_vector) {
    throw core::Error(where + " has shape " + shape_string(d.shape) +
                      ", expected (N,), (1, N) or (N, 1)");
  }
  check_fits(d, sizeof(double), where);
  Eigen::VectorXd out(static_cast<Eigen::Index>(d.size()));
  read_all(d, H5T_NATIVE_DOUBLE, out.data(), where);
  return out;
}

std::vector<std::int64_t> H5File::read_int64_vector(const std::string& dataset) const {
  require_open("read_int64_vector");
  const std::string where = "read_int64_vector: " + detail::located(dataset, path_);
  NumericDataset d = open_numeric(id_, path_, dataset, "read_int64_vector");
  if (!d.is_integer) throw core::Error(where + " has type " + d.dtype + ", expected integers");
  if (d.shape.size() != 1) {
    throw core::Error(where + " has shape " + shape_string(d.shape) + ", expected (N,)");
  }
  check_fits(d, sizeof(std::int64_t), where);
  std::vector<std::int64_t> out(d.size());
  read_all(d, H5T_NATIVE_INT64, out.data(), where);
  return out;
}

std::vector<double> H5File::read_array(const std::string& dataset,
                                       std::vector<size_t>* shape) const {
  require_open("read_array");
  const std::string where = "read_array: " + detail::located(dataset, path_);
  NumericDataset d = open_numeric(id_, path_, dataset, "read_array");
  check_fits(d, sizeof(double), where);
  std::vector<double> out(d.size());
  read_all(d, H5T_NATIVE_DOUBLE, out.data(), where);
  if (shape != nullptr) *shape = d.shape;
  return out;
}

Eigen::MatrixXd H5File::read_rows(const std::string& dataset, size_t first, size_t count) const {
  require_open("read_rows");
  const std::string where = "read_rows: " + detail::located(dataset, path_);
  NumericDataset d = open_numeric(id_, path_, dataset, "read_rows");
  if (d.shape.empty()) throw core::Error(where + " is a scalar; it has no rows");
  if (first > d.shape[0] || count > d.shape[0] - first) {
    throw core::Error(where + " has " + std::to_string(d.shape[0]) + " rows; cannot read rows " +
                      std::to_string(first) + " to " + std::to_string(first + count));
  }
  size_t row_values = 1;
  for (size_t i = 1; i < d.shape.size(); ++i) row_values *= d.shape[i];
  core::check_memory(8.0 * static_cast<double>(count) * static_cast<double>(row_values),
                     where + ": rows " + std::to_string(first) + " to " + std::to_string(first + count));
  check_written(d, where);
  Eigen::MatrixXd out(static_cast<Eigen::Index>(row_values), static_cast<Eigen::Index>(count));
  if (out.size() == 0) return out;
  std::vector<hsize_t> start(d.shape.size(), 0), extent(d.shape.begin(), d.shape.end());
  start[0] = first;
  extent[0] = count;
  Handle file_space = detail::checked(H5Dget_space(d.dataset.get()), H5Sclose, where + ": no shape");
  detail::check_status(H5Sselect_hyperslab(file_space.get(), H5S_SELECT_SET, start.data(), nullptr,
                                           extent.data(), nullptr),
                       where + ": cannot select the rows");
  Handle memory_space = detail::checked(
      H5Screate_simple(static_cast<int>(extent.size()), extent.data(), nullptr), H5Sclose,
      where + ": cannot make a dataspace");
  detail::check_status(H5Dread(d.dataset.get(), H5T_NATIVE_DOUBLE, memory_space.get(),
                               file_space.get(), H5P_DEFAULT, out.data()),
                       where + ": read failed");
  return out;
}

size_t H5File::chunk_rows(const std::string& dataset) const {
  require_open("chunk_rows");
  const std::string where = "chunk_rows: " + detail::located(dataset, path_);
  Handle d = detail::open_dataset(id_, path_, dataset, "chunk_rows");
  Handle dcpl = detail::checked(H5Dget_create_plist(d.get()), H5Pclose, where + ": no properties");
  if (H5Pget_layout(dcpl.get()) != H5D_CHUNKED) return 0;
  hsize_t chunk[32];
  const int rank = H5Pget_chunk(dcpl.get(), 32, chunk);
  if (rank < 1) throw core::Error(where + ": cannot read the chunk shape");
  return static_cast<size_t>(chunk[0]);
}

void H5File::write_matrix(const std::string& dataset, const Eigen::MatrixXd& columns_are_samples,
                          const WriteOptions& options) {
  require_writable("write_matrix");
  const std::vector<hsize_t> dims = {static_cast<hsize_t>(columns_are_samples.cols()),
                                     static_cast<hsize_t>(columns_are_samples.rows())};
  write_dataset(id_, path_, dataset, dims, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE,
                columns_are_samples.data(), options, "write_matrix");
}

void H5File::write_vector(const std::string& dataset, const Eigen::VectorXd& values,
                          const WriteOptions& options) {
  require_writable("write_vector");
  const std::vector<hsize_t> dims = {static_cast<hsize_t>(values.size())};
  write_dataset(id_, path_, dataset, dims, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, values.data(),
                options, "write_vector");
}

void H5File::write_int64_vector(const std::string& dataset,
                                const std::vector<std::int64_t>& values,
                                const WriteOptions& options) {
  require_writable("write_int64_vector");
  const std::vector<hsize_t> dims = {static_cast<hsize_t>(values.size())};
  write_dataset(id_, path_, dataset, dims, H5T_NATIVE_INT64, H5T_STD_I64LE, values.data(),
                options, "write_int64_vector");
}

namespace {

// `shape` as HDF5 dimensions, checked to hold `size` values.
std::vector<hsize_t> array_dims(const std::vector<size_t>& shape, size_t size,
                                const std::string& where) {
  std::vector<hsize_t> dims;
  size_t total = 1;
  for (size_t n : shape) {
    dims.push_back(static_cast<hsize_t>(n));
    total *= n;
  }
  if (total != size) {
    throw core::Error(where + ": shape " + shape_string(shape) + " holds " +
                      std::to_string(total) + " values, got " + std::to_string(size));
  }
  return dims;
}

}  // namespace

void H5File::write_array(const std::string& dataset, const std::vector<size_t>& shape,
                         const std::vector<double>& row_major, const WriteOptions& options) {
  require_writable("write_array");
  const std::vector<hsize_t> dims = array_dims(
      shape, row_major.size(), "write_array: " + detail::located(dataset, path_));
  write_dataset(id_, path_, dataset, dims, H5T_NATIVE_DOUBLE, H5T_IEEE_F64LE, row_major.data(),
                options, "write_array");
}

void H5File::write_uint8_array(const std::string& dataset, const std::vector<size_t>& shape,
                               const std::vector<std::uint8_t>& row_major,
                               const WriteOptions& options) {
  require_writable("write_uint8_array");
  const std::vector<hsize_t> dims = array_dims(
      shape, row_major.size(), "write_uint8_array: " + detail::located(dataset, path_));
  write_dataset(id_, path_, dataset, dims, H5T_NATIVE_UINT8, H5T_STD_U8LE, row_major.data(),
                options, "write_uint8_array");
}

}  // namespace sbi::io
