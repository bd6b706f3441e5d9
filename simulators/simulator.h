// The simulator interface: a stochastic map θ ↦ x drawing all randomness from a core::Rng,
// and `Task`, a simulator paired with its prior (as sbibm defines its benchmark tasks).
#pragma once

#include <Eigen/Core>
#include <memory>
#include <string>
#include <vector>

#include "core/data_shape.h"
#include "core/prior.h"
#include "core/rng.h"

namespace sbi::simulators {

// Immutable: simulate() is const and thread-safe, so one instance is shared by all OpenMP
// threads; each call gets its own Rng.
class Simulator {
 public:
  virtual ~Simulator() = default;

  virtual std::string name() const = 0;
  virtual int theta_dim() const = 0;
  virtual int x_dim() const = 0;
  // The shape of one x (core/data_shape.h): a plain vector of x_dim() unless the simulator
  // says otherwise (a set of stars, an image). Its flat_dim() equals x_dim().
  virtual core::DataShape x_shape() const { return core::DataShape::vector(x_dim()); }
  // Names written into output files; default theta_0, theta_1, ... and x_0, x_1, ...
  virtual std::vector<std::string> parameter_names() const;
  virtual std::vector<std::string> data_names() const;
  // The name of the group of exact symmetries of (prior, simulator) at these settings
  // (simulators/symmetry.h), "" when there are none or the settings break them.
  virtual std::string symmetry_group() const { return ""; }

  // Writes one simulation x (x_dim entries) for parameters theta (theta_dim entries), drawing
  // only from `rng` (borrowed). Throws core::Error on wrong sizes.
  virtual void simulate(const Eigen::Ref<const Eigen::VectorXd>& theta, core::Rng* rng,
                        Eigen::Ref<Eigen::VectorXd> x) const = 0;
};

// Throws core::Error naming `function` unless theta has sim.theta_dim() entries, x has
// sim.x_dim() entries and rng is not null. For use at the top of simulate().
void check_simulate_args(const Simulator& sim, const Eigen::Ref<const Eigen::VectorXd>& theta,
                         const core::Rng* rng, const Eigen::Ref<Eigen::VectorXd>& x,
                         const char* function);

// A benchmark problem: the simulator (owned) and the prior over its parameters.
struct Task {
  std::unique_ptr<Simulator> simulator;
  core::Prior prior;
};

}  // namespace sbi::simulators
