// posterior.h5: posterior draws for K observations in the layout of POSTERIOR_FORMAT.md,
// which h5py, netCDF4, xarray and ArviZ open as it is.
//
//   /posterior/<name>       float64 (chain=C, draw=M/C, observation=K); C = 1 but for MCMC
//                           + scales chain, draw, observation
//   /sample_stats/lp        float64 (chain, draw, observation) + its own scales
//   /observed_data/x        float64 (observation, x_dim) + scales observation/x_dim
//   /                       attributes only: provenance, parameter_names, extra attributes
#pragma once

#include <Eigen/Core>
#include <string>
#include <utility>
#include <vector>

#include "io/output_files.h"
#include "io/provenance.h"

namespace sbi::io {

struct PosteriorDraws {
  // Variable names, in theta order; each matches [A-Za-z_][A-Za-z0-9_]* and is not one of the
  // dimension names chain, draw, observation.
  std::vector<std::string> parameter_names;
  // Pretty names with units ("M_\\odot"), one per parameter, or empty for none.
  std::vector<std::string> latex_labels;
  // Per observation k: D x M draws (one draw per column). Every k has the same M.
  std::vector<Eigen::MatrixXd> samples;
  // The M draws are this many chains of M / num_chains consecutive draws each (MCMC); 1 for
  // independent draws. Written as the chain dimension.
  size_t num_chains = 1;
  // Per observation k: log q(theta | x_k) of each draw (M values). Empty: no /sample_stats.
  std::vector<Eigen::VectorXd> log_prob;
  // x_dim x K, one observation per column.
  Eigen::MatrixXd observed_x;
  // Names of the x_dim data dimensions, or empty.
  std::vector<std::string> data_names;
  // Command line and seed; parameter_names/data_names here are replaced by the fields above.
  Provenance provenance;
  // Extra root attributes (not the names stamp_provenance writes).
  std::vector<std::pair<std::string, std::string>> string_attrs;
  std::vector<std::pair<std::string, double>> number_attrs;
  // Attributes of /sample_stats (with log_prob only), one value per observation: MCMC's
  // convergence diagnostics, rhat_<parameter> and ess_bulk_<parameter>.
  std::vector<std::pair<std::string, std::vector<double>>> sample_stats_attrs;
};

// Writes `path` as one output of `out` (io/output_files.h: nothing replaced until commit).
// Throws core::Error on invalid names, inconsistent shapes or non-finite draws, before
// anything is written.
void write_posterior_file(OutputFiles& out, const std::string& path, const PosteriorDraws& draws);
// The same, committed at once: a failure leaves `path` as it was.
void write_posterior_file(const std::string& path, const PosteriorDraws& draws);

// Reads a file written by write_posterior_file (or any file with that layout). With C > 1
// chains, the chains are concatenated along the draws (and num_chains is C). Root attributes other than the
// provenance ones come back in string_attrs / number_attrs (scalars only).
PosteriorDraws read_posterior_file(const std::string& path);

// True if `name` matches [A-Za-z_][A-Za-z0-9_]*.
bool is_valid_variable_name(const std::string& name);

}  // namespace sbi::io
