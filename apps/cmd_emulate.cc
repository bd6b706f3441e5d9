// sbi emulate --model emu.h5 --theta theta.h5 --num-per-theta K --seed S --out emulated.h5
//
// Simulations from a trained likelihood model q(x | θ) (`sbi train --target x`): K draws of x
// at each row θ_i of theta.h5's /theta, the draws of row i from the random stream (S, i), so
// that any split of the rows (threads now, MPI ranks later) gives the same file.
//
// emulated.h5 is a simulation file (sbi/simulation_data.h): /theta (N K, D_θ), row i K + k
// the θ of row i, /x (N K, D_x), the names, and attributes emulator_file, theta_file,
// num_per_theta and provenance; `sbi train` reads it like `sbi simulate`'s.
#include <algorithm>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/rng.h"
#include "io/output_files.h"
#include "io/provenance.h"
#include "sbi/model_file.h"
#include "sbi/simulation_data.h"

namespace sbi::app {

int cmd_emulate(const Invocation& inv) {
  Flags flags(inv.args, command_spec("emulate"));
  const std::string model_path = flags.required("model");
  const std::string theta_path = flags.required("theta");
  const std::string out_path = flags.required("out");
  const long k = flags.get_int("num-per-theta", 1);
  core::check(k >= 1, "--num-per-theta must be >= 1");
  const std::uint64_t seed = flags.get_seed("seed", 0);
  set_threads(flags.get_int("threads", 0));
  io::OutputFiles out({model_path, theta_path});
  out.add(out_path);

  const PosteriorModel model = load_model(model_path);
  check_model_target(model, ModelTarget::kX, model_path);
  const int theta_dim = model.x_dim(), x_dim = model.theta_dim();  // the roles of a likelihood model
  io::H5File f = io::H5File::open_read(theta_path);
  core::check(f.is_dataset("/theta"), "--theta " + theta_path + " has no /theta dataset");
  const Eigen::MatrixXd theta = f.read_matrix("/theta", theta_dim, io::NanPolicy::kReject);
  const long n = theta.cols();
  core::check(n >= 1, "--theta " + theta_path + ": /theta has no rows");
  core::check_memory(8.0 * static_cast<double>(n) * k * (theta_dim + x_dim),
                     std::to_string(n) + " theta x --num-per-theta " + std::to_string(k) + " emulated simulations");

  Eigen::MatrixXd x(x_dim, n * k), theta_out(theta_dim, n * k);
  ProgressReporter reporter;
  const core::ProgressCallback progress = reporter.callback();
  for (long i = 0; i < n; ++i) {
    core::Rng rng(seed, static_cast<std::uint64_t>(i));
    x.middleCols(i * k, k) = model.draw(k, theta.col(i), &rng);
    theta_out.middleCols(i * k, k) = theta.col(i).replicate(1, k);
    progress({"emulate", i + 1, n, ""});
  }
  reporter.finish();
  out.write_hdf5(out_path, [&](io::H5File& g) {
    io::Provenance p = provenance_of(inv, seed);
    p.parameter_names = model.data_names;  // θ's names: the context side of a likelihood model
    p.data_names = model.parameter_names;
    io::stamp_provenance(g, p);
    write_simulations(g, theta_out, x, core::DataShape::vector(x_dim));
    g.set_attr("/", "emulator_file", model_path);
    g.set_attr("/", "theta_file", theta_path);
    g.set_attr("/", "num_per_theta", static_cast<std::int64_t>(k));
  });
  out.commit();
  log_line("wrote %ld emulated simulations (%ld theta x %ld) of %d-dimensional x to %s", n * k, n, k, x_dim,
           out_path.c_str());
  return 0;
}

}  // namespace sbi::app
