// A simulator plugin (include/sbi_plugin.h) loaded with dlopen, and its batch simulation:
// θ_i drawn from the prior on the stream (seed, i) as simulate_from_prior draws them, then the
// plugin called on that same stream, in parallel with OpenMP. A failed call (non-zero return,
// NaN or Inf in x) does not stop the batch: its row is recorded and its x set to NaN, which
// `sbi train` drops.
#pragma once

#include <Eigen/Core>
#include <cstdint>
#include <string>
#include <vector>

#include "core/data_shape.h"
#include "core/prior.h"
#include "simulators/batch.h"

extern "C" {
struct sbi_host;
struct sbi_rng;
}

namespace sbi::simulators {

class Plugin {
 public:
  // Loads `path` (a name without '/' is looked up in the working directory, not the library
  // path) and checks it: core::Error for a file that is not a loadable shared library, a
  // missing required symbol, another ABI version, or impossible sizes.
  explicit Plugin(const std::string& path);
  ~Plugin();
  Plugin(const Plugin&) = delete;
  Plugin& operator=(const Plugin&) = delete;

  const std::string& name() const { return name_; }
  int theta_dim() const { return theta_dim_; }
  int x_dim() const { return x_dim_; }
  const core::DataShape& x_shape() const { return x_shape_; }
  const std::vector<std::string>& parameter_names() const { return parameter_names_; }
  const std::vector<std::string>& data_names() const { return data_names_; }

  // One call of the plugin's simulate; true on success (0 returned and x finite).
  bool simulate(const double* theta, std::uint64_t seed, core::Rng* rng, double* x) const;

 private:
  using SimulateFn = std::int32_t (*)(const double*, std::uint64_t, const sbi_host*, sbi_rng*,
                                      double*);
  void* handle_ = nullptr;
  SimulateFn simulate_ = nullptr;
  std::string name_;
  int theta_dim_ = 0, x_dim_ = 0;
  core::DataShape x_shape_;
  std::vector<std::string> parameter_names_, data_names_;
};

struct PluginBatch {
  Eigen::MatrixXd theta;           // theta_dim x N
  Eigen::MatrixXd x;               // x_dim x N; NaN in the columns of failed simulations
  std::vector<std::uint8_t> failed;  // N entries, 1 where the simulation failed
  long num_failed = 0;
  double seconds = 0;
};

// n simulations at θ_i ~ prior. With `fatal_failures`, the first failure (the lowest row) is a
// core::Error naming the row instead.
PluginBatch simulate_plugin(const Plugin& plugin, const core::Prior& prior, long n,
                            const SimulateOptions& options, bool fatal_failures);

// The same at given θ (one per column), row i on the stream (seed, i) without a prior draw.
PluginBatch simulate_plugin_at(const Plugin& plugin, const Eigen::MatrixXd& theta, const SimulateOptions& options,
                               bool fatal_failures);

}  // namespace sbi::simulators
