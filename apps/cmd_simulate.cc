// sbi simulate: (theta, x) pairs from a task's prior (or --prior SPEC|FILE) and simulator, or x
// at given theta; with --plugin, from a simulator plugin (apps/simulate_plugin.h).
#include <algorithm>
#include <optional>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/process_group.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_chunks.h"
#include "apps/simulation_file.h"
#include "apps/simulate_plugin.h"
#include "apps/task_from_flags.h"
#include "core/digest.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/prior_file.h"
#include "io/output_files.h"
#include "io/h5_file.h"
#include "simulators/batch.h"

namespace sbi::app {

int cmd_simulate(const Invocation& inv) {
  Flags flags(inv.args, command_spec("simulate"));
  if (flags.has("plugin")) {
    core::check(!flags.has("chunk") && !flags.on("resume"),
                "--chunk and --resume are for the built-in tasks; a plugin run is written at the end");
    return simulate_with_plugin(inv, flags);
  }
  const std::string out_path = flags.required("out");
  // Under mpirun every rank prepares the same run and simulates its share of the chunks;
  // rank 0 alone writes the output (apps/simulation_chunks.h).
  const ProcessGroup& group = process_group();
  ProgressReporter reporter;
  std::optional<simulators::Task> task_holder;
  std::string prior_file;  // the file of --prior FILE, recorded in the output
  simulators::SimulateOptions options;
  std::vector<std::string> inputs;
  std::optional<io::OutputFiles> out;  // made once the inputs are known
  std::function<simulators::SimulationBatch(long, long)> simulate;  // samples [first, first + count)
  Eigen::MatrixXd theta_given;
  long n = 0;
  core::Digest fingerprint;
  run_collectively(group, [&] {
    task_holder.emplace(task_from_flags(flags));
    simulators::Task& task = *task_holder;
    if (flags.has("prior")) {
      core::check(!flags.has("theta"), "--prior draws theta; with --theta there is none to draw");
      const core::PriorDescription prior = core::read_prior_argument(flags.get("prior", ""));
      core::check(prior.prior.dim() == task.simulator->theta_dim(),
                  "--prior has " + std::to_string(prior.prior.dim()) + " parameter(s), " +
                      task.simulator->name() + " takes " + std::to_string(task.simulator->theta_dim()));
      task.prior = prior.prior;
      prior_file = prior.file;
    }
    options.seed = flags.get_seed("seed", 0);
    options.threads = set_threads(flags.get_int("threads", 0));
    if (group.is_root()) options.progress = reporter.callback();
    inputs = task_input_files(flags);
    inputs.push_back(flags.get("theta", ""));
    inputs.push_back(prior_file);
    out.emplace(inputs);
    if (group.is_root()) out->add(out_path);

    if (flags.has("theta")) {
      core::check(!flags.has("num"), "give either --num (prior draws) or --theta, not both");
      const std::string theta_path = flags.get("theta", "");
      io::H5File f = io::H5File::open_read(theta_path);
      core::check(f.is_dataset("/theta"), theta_path + " has no /theta dataset");
      theta_given = f.read_matrix("/theta", task.simulator->theta_dim(), io::NanPolicy::kReject);
      n = theta_given.cols();
      fingerprint.add(theta_given);
      simulate = [&](long first, long count) {
        simulators::SimulateOptions o = options;
        o.first_index = first;
        return simulators::simulate_at(*task_holder->simulator, theta_given.middleCols(first, count), o);
      };
    } else {
      n = flags.get_int("num", -1);
      core::check(n >= 1, "--num must be given and >= 1");
      simulate = [&](long first, long count) {
        simulators::SimulateOptions o = options;
        o.first_index = first;
        return simulators::simulate_from_prior(*task_holder, count, o);
      };
    }
    core::check_memory(8.0 * static_cast<double>(n) * (task.simulator->theta_dim() + task.simulator->x_dim()),
                       (flags.has("theta") ? "--theta: " : "--num ") + std::to_string(n) + " simulations of " +
                           task.simulator->name());
  });
  simulators::Task& task = *task_holder;
  // Several ranks: by default a chunk for each, at most 10^4 samples.
  const long default_chunk = std::min(10000L, (n + group.size() - 1) / group.size());
  const long chunk = flags.get_int("chunk", default_chunk);
  core::check(chunk >= 1, "--chunk must be >= 1");
  simulators::SimulationBatch batch;
  ChunkedRun run;
  const bool chunked = n > chunk || flags.on("resume") || group.size() > 1;
  if (chunked) {
    run.dir = out_path + ".chunks";
    fingerprint.add(task.simulator->name()).add(task.prior.to_string());
    for (const auto& [key, value] : flags.key_values("param")) fingerprint.add(key + "=" + value);
    fingerprint.add(std::to_string(options.seed) + " " + std::to_string(n) + " " + std::to_string(chunk));
    run.fingerprint = fingerprint.hex();
    run.n = n;
    run.chunk = chunk;
    run.theta_dim = task.simulator->theta_dim();
    run.x_dim = task.simulator->x_dim();
    run.inputs = inputs;
    const core::ProgressCallback progress = options.progress;
    options.progress = nullptr;  // one bar over the chunks
    batch = run_in_chunks(run, flags.on("resume"), group, simulate, [&](long done, long total) {
      if (progress) progress({"simulate", done, total, ""});
    });
    if (!group.is_root()) return 0;  // its chunks are written; rank 0 writes the output
  } else {
    batch = simulate(0, n);
  }
  reporter.finish();

  out->write_hdf5(out_path, [&](io::H5File& f) {
    write_simulation_file(f, inv, {options.seed, task.simulator->parameter_names(),
                                   task.simulator->data_names(), &task.prior, prior_file,
                                   &batch.theta, &batch.x, task.simulator->x_shape()});
    f.set_attr("/", "task", task.simulator->name());
    // The pairs are draws of p(θ, x) that the task's symmetries preserve only under its own
    // prior: none are recorded for --prior or --theta (simulators/symmetry.h).
    const std::string symmetries = task.simulator->symmetry_group();
    if (!symmetries.empty() && !flags.has("prior") && !flags.has("theta")) f.set_attr("/", "symmetries", symmetries);
  });
  out->commit();
  if (chunked) remove_chunks(run);
  log_line("wrote %ld simulations of %s to %s (%.2f s)", static_cast<long>(batch.x.cols()),
           task.simulator->name().c_str(), out_path.c_str(), batch.seconds);
  return 0;
}

}  // namespace sbi::app
