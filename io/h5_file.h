// An open HDF5 file: checked reads and writes of matrices, vectors and attributes.
//
// In memory one sample per column (D x N); in the file one sample per row (N, D). This class
// is where the transposition happens, and the only place. Every failure throws core::Error
// naming the function, the file and the object ("read_matrix: /theta in sims.h5 has 3
// columns, expected 2"); HDF5's own error printing is switched off.
//
//   H5File f = H5File::open_read("sims.h5");
//   Eigen::MatrixXd theta = f.read_matrix("/theta", 2);   // 2 x N
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <type_traits>
#include <vector>

namespace sbi::io {

// How datasets are stored. The defaults write contiguous, uncompressed data.
struct WriteOptions {
  // Chunk and compress with shuffle + deflate, the only filters every reader has without
  // plugins (POSTERIOR_FORMAT.md rule 6).
  bool compress = false;
  // zlib level, 1 (fast) .. 9 (small).
  int deflate_level = 4;
  // Chunk shape in file order, e.g. (rows, D) for a matrix; empty = about 1 MiB of whole rows.
  // Used only when compress is true.
  std::vector<size_t> chunk_shape;
};

// What read_matrix does with NaN or infinite entries.
enum class NanPolicy {
  kAllow,   // return them as they are
  kReject,  // throw, naming the first offending row and column of the file
};

class H5File {
 public:
  // Opens an existing file read-only. Throws if it is missing, not HDF5, truncated or corrupt.
  static H5File open_read(const std::string& path);
  // Opens an existing file for reading and writing.
  static H5File open_read_write(const std::string& path);
  // Creates (truncates) a file with link and attribute creation order tracked and indexed.
  static H5File create(const std::string& path);
  // Creates the same kind of file in memory only (HDF5's core driver, nothing on disk);
  // `name` appears in error messages. file_image() then gives its bytes.
  static H5File create_in_memory(const std::string& name);

  H5File(H5File&& other) noexcept;
  H5File& operator=(H5File&& other) noexcept;
  H5File(const H5File&) = delete;
  H5File& operator=(const H5File&) = delete;
  ~H5File();

  const std::string& path() const { return path_; }
  // Flushes and closes now (the destructor does it otherwise). Further calls throw.
  void close();
  // The bytes of the whole file as it would be on disk (flushes first). For a file of
  // create_in_memory, to be written by someone else.
  std::string file_image() const;

  // --- Navigation. Paths are absolute ("/a/b") or relative to the root ("a/b").
  // True if the object exists; false if it or any intermediate group is missing.
  bool has(const std::string& object_path) const;
  bool is_group(const std::string& object_path) const;
  bool is_dataset(const std::string& object_path) const;
  // Names of a group's children, in creation order when the group tracks it, else by name.
  std::vector<std::string> list(const std::string& group = "/") const;
  // Creates a group and any missing parents (creation order tracked). No-op if it exists.
  void create_group(const std::string& group);

  // --- Datasets.
  // Shape in file order; empty for a scalar dataset.
  std::vector<size_t> shape(const std::string& dataset) const;
  // Element type: "float64", "float32", "int64", "uint8", "string", "compound", ...
  std::string dtype(const std::string& dataset) const;

  // (N, D) dataset of any integer or float type -> D x N doubles; (N,) -> 1 x N.
  // expected_cols >= 0 checks D.
  Eigen::MatrixXd read_matrix(const std::string& dataset, long expected_cols = -1,
                              NanPolicy nan_policy = NanPolicy::kAllow) const;
  // 1-D (N,), or 2-D with one row or one column -> N doubles.
  Eigen::VectorXd read_vector(const std::string& dataset) const;
  // 1-D integer dataset.
  std::vector<std::int64_t> read_int64_vector(const std::string& dataset) const;
  // Any numeric dataset of any rank as doubles in row-major (C) order; *shape gets its shape.
  std::vector<double> read_array(const std::string& dataset, std::vector<size_t>* shape) const;
  // Rows [first, first + count) along the first axis of a numeric dataset of any rank >= 1, one
  // per column (each flattened in row-major order): a part of a dataset larger than memory.
  // Throws for a range outside the dataset.
  Eigen::MatrixXd read_rows(const std::string& dataset, size_t first, size_t count) const;
  // The rows of each chunk of a chunked dataset (its chunk's first extent); 0 if contiguous.
  size_t chunk_rows(const std::string& dataset) const;

  // Writes D x N as a float64 (N, D) dataset, creating parent groups. Throws if it exists.
  void write_matrix(const std::string& dataset, const Eigen::MatrixXd& columns_are_samples,
                    const WriteOptions& options = {});
  // Writes a float64 (N,) dataset.
  void write_vector(const std::string& dataset, const Eigen::VectorXd& values,
                    const WriteOptions& options = {});
  // Writes an int64 (N,) dataset.
  void write_int64_vector(const std::string& dataset, const std::vector<std::int64_t>& values,
                          const WriteOptions& options = {});
  // Writes a float64 dataset of any rank from row-major data (size = product of shape).
  void write_array(const std::string& dataset, const std::vector<size_t>& shape,
                   const std::vector<double>& row_major, const WriteOptions& options = {});
  // Writes a uint8 dataset of any rank from row-major data (masks, flags).
  void write_uint8_array(const std::string& dataset, const std::vector<size_t>& shape,
                         const std::vector<std::uint8_t>& row_major,
                         const WriteOptions& options = {});

  // --- Attributes on any object ("/" for the root). Setting replaces an existing attribute.
  void set_attr(const std::string& object_path, const std::string& name, const std::string& value);
  void set_attr(const std::string& object_path, const std::string& name, const char* value);
  void set_attr(const std::string& object_path, const std::string& name, double value);
  void set_attr(const std::string& object_path, const std::string& name, std::int64_t value);
  // Any other integer type (int, size_t, bool) is stored as int64; this keeps
  // set_attr(obj, "n", 5) from being ambiguous between double and int64.
  template <typename T, std::enable_if_t<std::is_integral_v<T> &&
                                             !std::is_same_v<T, std::int64_t>, int> = 0>
  void set_attr(const std::string& object_path, const std::string& name, T value) {
    set_attr(object_path, name, static_cast<std::int64_t>(value));
  }
  // An unsigned 64-bit integer (seeds), stored as uint64.
  void set_uint64_attr(const std::string& object_path, const std::string& name,
                       std::uint64_t value);
  void set_attr(const std::string& object_path, const std::string& name,
                const std::vector<std::string>& values);
  void set_attr(const std::string& object_path, const std::string& name,
                const std::vector<double>& values);

  // False if the object or the attribute is missing.
  bool has_attr(const std::string& object_path, const std::string& name) const;
  // Attribute names in creation order when tracked, else by name.
  std::vector<std::string> list_attrs(const std::string& object_path) const;
  std::string attr_dtype(const std::string& object_path, const std::string& name) const;
  // Empty for a scalar attribute.
  std::vector<size_t> attr_shape(const std::string& object_path, const std::string& name) const;

  // Getters accept fixed- and variable-length strings, scalars or one-element arrays
  // where one value is asked for, and any numeric type where a number is asked for.
  std::string get_string_attr(const std::string& object_path, const std::string& name) const;
  double get_double_attr(const std::string& object_path, const std::string& name) const;
  // Integer attributes, or floats holding an integral value.
  std::int64_t get_int_attr(const std::string& object_path, const std::string& name) const;
  // A uint64 attribute; a signed one is taken by its bit pattern.
  std::uint64_t get_uint64_attr(const std::string& object_path, const std::string& name) const;
  std::vector<std::string> get_string_list_attr(const std::string& object_path,
                                                const std::string& name) const;
  std::vector<double> get_double_list_attr(const std::string& object_path,
                                           const std::string& name) const;

  // --- Dimension scales (netCDF-4 dimensions; POSTERIOR_FORMAT.md rules 1-2).
  // Marks a 1-D dataset as the scale of dimension `dim_name`.
  void make_dimension_scale(const std::string& dataset, const std::string& dim_name);
  // Attaches `scale_dataset` to axis `axis` of `dataset`.
  void attach_dimension_scale(const std::string& dataset, int axis,
                              const std::string& scale_dataset);
  bool is_dimension_scale(const std::string& dataset) const;
  // Per axis, the link name of the first attached scale ("draw"), or "" if none.
  std::vector<std::string> dimension_names(const std::string& dataset) const;

 private:
  H5File(std::string path, std::int64_t id, bool writable);
  void require_open(const char* function) const;
  void require_writable(const char* function) const;

  std::string path_;
  std::int64_t id_ = -1;  // the hid_t of the open file; -1 when closed or moved from
  bool writable_ = false;
};

}  // namespace sbi::io
