// Reading a simulation file for training: /theta (N, D_theta) and /x (N, D_x) of any float
// or integer type, from `sbi simulate` or from the user's own code. Other datasets and
// attributes are ignored; names and the prior are taken from root attributes when present.
//
// Set data (each x a set of rows, e.g. the stars of a galaxy; see core::DataShape): /x holds the
// rows flattened, x = [R_0, v_0, R_1, v_1, ...], and the root attributes
//   set_size      S, rows per simulation
//   set_features  F, data entries per row (2 for stars: R [kpc], v_los [km/s])
//   set_masked    1 when each row is followed by a presence flag (1 star, 0 padding), so that
//                 D_x = S (F + 1); absent or 0: D_x = S F
// say so. Sets of variable size come either masked (as `sbi simulate` writes them, with
// /num_stars (N,) for information) or as D_x = S F with /num_stars (N,) counting the rows
// present in each simulation, the first ones, the rest being padding of any value (NaN
// allowed); the latter is converted on reading to the masked layout.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/prior.h"
#include "io/h5_file.h"
#include "sbi/standardizer.h"

namespace sbi {

enum class NonFinitePolicy {
  kDrop,   // rows whose x has NaN/Inf are dropped and counted
  kError,  // such a row is an error naming it
};

struct SimulationData {
  Eigen::MatrixXd theta;  // D_theta x N
  Eigen::MatrixXd x;      // D_x x N (set data: masked layout when sizes vary)
  long dropped_nonfinite = 0;
  std::vector<std::string> parameter_names, data_names;  // defaults theta_i, x_i
  std::optional<core::Prior> prior;                       // root attribute "prior", if any
  core::DataShape x_shape;                                     // set_size 0 unless set data
};

SimulationData load_simulations(const std::string& path, NonFinitePolicy policy);

// Writes /theta (N, D_theta) and /x with its shape: a vector or set as (N, D) rows (a set's
// layout in root attributes, with /num_stars (N,) counting the rows present), an image as
// (N, H, W) or, with several channels, (N, C, H, W). theta and x hold one sample per column.
void write_simulations(io::H5File& f, const Eigen::MatrixXd& theta, const Eigen::MatrixXd& x,
                       const core::DataShape& shape);

// /x of a data file without a model to say its shape, for training without θ (a VAE): (N, D)
// vectors or (N, H, W) / (N, C, H, W) images (sets are refused), with /theta when the file
// has one (else theta is empty) and the root attributes a simulation file carries. Throws
// core::Error naming the file for a missing /x, no rows, or a row with NaN or Inf.
struct SampleData {
  Eigen::MatrixXd x;      // D x N
  core::DataShape shape;  // of one x
  Eigen::MatrixXd theta;  // D_theta x N, or 0 x 0
  std::vector<std::string> parameter_names;
  std::optional<core::Prior> prior;
};
SampleData load_sample_data(const std::string& path);

// The observation(s) in an observation file: /x of shape (D,) for one or (K, D) for K.
// Returns D x K. `expected_dim` is the model's x dimension, checked with a clear message.
Eigen::MatrixXd load_observations(const std::string& path, int expected_dim);

// What load_observations found besides x.
struct ObservationInfo {
  bool catalogue = false;   // /x was a table of rows (one set), flattened here
  long rows = 0;            // rows in the catalogue
  bool has_v_err = false;   // the catalogue had /v_err (N_rows,), per-row velocity errors
  double median_v_err = 0;  // their median (same units as v)
};

// As above for a model whose x may be a set (layout.is_set()). Then /x may also be a
// catalogue: one set as a table of shape (N_rows, F) with F = layout.features, e.g. the
// (R, v_los) of N stars, returned flattened as the model expects. With a masked layout any
// N_rows <= set_size works (padded, mask 0); otherwise N_rows must equal set_size, and any
// other count is an error saying why. An optional /v_err (N_rows,) is checked (finite,
// >= 0) and summarised in *info; the model does not use it (it assumes the error model of
// its training simulations). Other datasets in the file are ignored.
Eigen::MatrixXd load_observations(const std::string& path, int expected_dim,
                                  const core::DataShape& layout, ObservationInfo* info = nullptr);

}  // namespace sbi
