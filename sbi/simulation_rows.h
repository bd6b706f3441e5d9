// A simulation file read by ranges of rows: opened and checked once (the datasets, their
// shapes, the set layout), then any rows [first, first + count) as doubles in the layout
// SimulationData uses. load_simulations reads all rows through it; out-of-core training
// (sbi/out_of_core.h) reads a file larger than memory a chunk at a time.
//
//   SimulationRows rows("sims.h5");
//   Eigen::MatrixXd theta, x;
//   rows.read(1000, 500, &theta, &x);   // theta D_theta x 500, x D_x x 500
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/data_shape.h"
#include "core/prior.h"
#include "io/h5_file.h"

namespace sbi {

// The set layout of a file and how to bring its rows to it (see sbi/simulation_data.h).
struct SetLayoutReading {
  core::DataShape layout;
  bool insert_flags = false;          // counts with padding: presence flags are inserted
  std::vector<std::int64_t> counts;   // /num_stars, when the file has it
};

// The root attribute `attr` (a list of n names) or prefix0, prefix1, ... when it is missing
// or of another length.
std::vector<std::string> root_names(const io::H5File& f, const char* attr, const std::string& prefix,
                                    long n);

class SimulationRows {
 public:
  // Opens `path` and checks /theta (N, D_theta) and /x ((N, D), (N, H, W) or (N, C, H, W))
  // and the set attributes; throws core::Error naming the file otherwise.
  explicit SimulationRows(const std::string& path);

  const std::string& path() const { return path_; }
  long rows() const { return rows_; }
  int theta_dim() const { return theta_dim_; }
  int x_dim() const { return x_shape_.flat_dim(); }
  const core::DataShape& x_shape() const { return x_shape_; }
  const std::vector<std::string>& parameter_names() const { return parameter_names_; }
  const std::vector<std::string>& data_names() const { return data_names_; }
  const std::optional<core::Prior>& prior() const { return prior_; }
  // Rows per HDF5 chunk of /x (reading whole chunks decompresses each once); 0 if contiguous.
  long chunk_rows() const { return chunk_rows_; }
  // Bytes of one row held as doubles (theta and x).
  double row_bytes() const { return 8.0 * (theta_dim_ + x_dim()); }

  // Rows [first, first + count): theta D_theta x count, x D_x x count (sets in the masked
  // layout when sizes vary). Throws for a /theta row with NaN or Inf, and for set rows whose
  // presence flags are not 0/1 or disagree with /num_stars, naming the file's row. x may hold
  // NaN or Inf: the caller drops or refuses such rows.
  void read(long first, long count, Eigen::MatrixXd* theta, Eigen::MatrixXd* x) const;

 private:
  std::string path_;
  io::H5File file_;
  long rows_ = 0;
  int theta_dim_ = 0;
  long raw_x_dim_ = 0;  // values per row of /x as stored
  core::DataShape x_shape_;
  SetLayoutReading set_;
  std::vector<std::string> parameter_names_, data_names_;
  std::optional<core::Prior> prior_;
  long chunk_rows_ = 0;
};

}  // namespace sbi
