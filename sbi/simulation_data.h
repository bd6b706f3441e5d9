// Reading a simulation file for training: /theta (N, D_theta) and /x (N, D_x) of any float
// or integer type, from `sbi simulate` or from the user's own code. Other datasets and
// attributes are ignored; names and the prior are taken from root attributes when present.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <Eigen/Core>

#include "core/prior.h"

namespace sbi {

enum class NonFinitePolicy {
  kDrop,   // rows whose x has NaN/Inf are dropped and counted
  kError,  // such a row is an error naming it
};

struct SimulationData {
  Eigen::MatrixXd theta;  // D_theta x N
  Eigen::MatrixXd x;      // D_x x N
  long dropped_nonfinite = 0;
  std::vector<std::string> parameter_names, data_names;  // defaults theta_i, x_i
  std::optional<core::Prior> prior;                       // root attribute "prior", if any
};

SimulationData load_simulations(const std::string& path, NonFinitePolicy policy);

// The observation(s) in an observation file: /x of shape (D,) for one or (K, D) for K.
// Returns D x K. `expected_dim` is the model's x dimension, checked with a clear message.
Eigen::MatrixXd load_observations(const std::string& path, int expected_dim);

}  // namespace sbi
