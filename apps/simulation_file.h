// What the commands write into their data files: the provenance of an invocation, samples of
// x in the shape of their data, and what `sbi simulate` writes into every simulation file
// (from a built-in task or a plugin).
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "core/data_shape.h"
#include "core/prior.h"
#include "io/h5_file.h"
#include "io/provenance.h"

namespace sbi::app {

// The provenance of a command that drew with `seed` (names left to the caller).
io::Provenance provenance_of(const Invocation& inv, std::uint64_t seed);

// `name` with one sample per row in the shape of its data: (N, D), or (N, [C,] H, W) for
// images; x holds one sample per column.
void write_samples(io::H5File& f, const std::string& name, const Eigen::MatrixXd& x, const core::DataShape& shape);

struct SimulationFileContents {
  std::uint64_t seed = 0;
  std::vector<std::string> parameter_names, data_names;
  const core::Prior* prior = nullptr;  // borrowed
  std::string prior_file;              // where the prior came from; empty = a spec or the task's
  const Eigen::MatrixXd* theta = nullptr;  // borrowed, one simulation per column
  const Eigen::MatrixXd* x = nullptr;      // borrowed
  core::DataShape x_shape;
};

// Provenance (command line, seed, names), the prior as its spec (`prior`) and file
// (`prior_file`, when there is one), `num_simulations`, then /theta and /x by data shape.
// The caller adds what only it knows (the task, the plugin) to the same file.
void write_simulation_file(io::H5File& f, const Invocation& inv, const SimulationFileContents& c);

}  // namespace sbi::app
