// sbi simulate: (theta, x) pairs from a task's prior (or --prior SPEC|FILE) and simulator, or x
// at given theta; with --plugin, from a simulator plugin (apps/simulate_plugin.h).
#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "apps/simulate_plugin.h"
#include "apps/task_from_flags.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/prior_file.h"
#include "io/output_files.h"
#include "io/h5_file.h"
#include "simulators/batch.h"

namespace sbi::app {

int cmd_simulate(const Invocation& inv) {
  Flags flags(inv.args, command_spec("simulate"));
  if (flags.has("plugin")) return simulate_with_plugin(inv, flags);
  const std::string out_path = flags.required("out");
  simulators::Task task = task_from_flags(flags);
  std::string prior_file;  // the file of --prior FILE, recorded in the output
  if (flags.has("prior")) {
    core::check(!flags.has("theta"), "--prior draws theta; with --theta there is none to draw");
    const core::PriorDescription prior = core::read_prior_argument(flags.get("prior", ""));
    core::check(prior.prior.dim() == task.simulator->theta_dim(),
                "--prior has " + std::to_string(prior.prior.dim()) + " parameter(s), " +
                    task.simulator->name() + " takes " + std::to_string(task.simulator->theta_dim()));
    task.prior = prior.prior;
    prior_file = prior.file;
  }
  simulators::SimulateOptions options;
  options.seed = flags.get_seed("seed", 0);
  options.threads = set_threads(flags.get_int("threads", 0));
  ProgressReporter reporter;
  options.progress = reporter.callback();
  std::vector<std::string> inputs = task_input_files(flags);
  inputs.push_back(flags.get("theta", ""));
  inputs.push_back(prior_file);
  io::OutputFiles out(inputs);
  out.add(out_path);

  simulators::SimulationBatch batch;
  if (flags.has("theta")) {
    core::check(!flags.has("num"), "give either --num (prior draws) or --theta, not both");
    const std::string theta_path = flags.get("theta", "");
    io::H5File f = io::H5File::open_read(theta_path);
    core::check(f.is_dataset("/theta"), theta_path + " has no /theta dataset");
    const Eigen::MatrixXd theta =
        f.read_matrix("/theta", task.simulator->theta_dim(), io::NanPolicy::kReject);
    batch = simulators::simulate_at(*task.simulator, theta, options);
  } else {
    const long n = flags.get_int("num", -1);
    core::check(n >= 1, "--num must be given and >= 1");
    core::check_memory(8.0 * static_cast<double>(n) *
                           (task.simulator->theta_dim() + task.simulator->x_dim()),
                       "--num " + std::to_string(n) + " simulations of " + task.simulator->name());
    batch = simulators::simulate_from_prior(task, n, options);
  }
  reporter.finish();

  out.write_hdf5(out_path, [&](io::H5File& f) {
    write_simulation_file(f, inv, {options.seed, task.simulator->parameter_names(),
                                   task.simulator->data_names(), &task.prior, prior_file,
                                   &batch.theta, &batch.x, task.simulator->x_shape()});
    f.set_attr("/", "task", task.simulator->name());
  });
  out.commit();
  log_line("wrote %ld simulations of %s to %s (%.2f s)", static_cast<long>(batch.x.cols()),
           task.simulator->name().c_str(), out_path.c_str(), batch.seconds);
  return 0;
}

}  // namespace sbi::app
