#include "apps/simulate_plugin.h"

#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/prior_file.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "simulators/plugin.h"

namespace sbi::app {

int simulate_with_plugin(const Invocation& inv, const Flags& flags) {
  for (const char* other : {"task", "param", "theta"})
    core::check(!flags.has(other), std::string("--plugin simulates from --prior; --") + other +
                                       " belongs to the built-in tasks");
  const std::string out_path = flags.required("out");
  const std::string policy = flags.get("plugin-failures", "record");
  core::check(policy == "record" || policy == "fatal",
              "--plugin-failures expects record or fatal, got '" + policy + "'");
  core::check(flags.has("prior"), "--plugin needs --prior SPEC|FILE (a plugin has no prior)");
  const std::string plugin_path = flags.get("plugin", "");
  const simulators::Plugin plugin(plugin_path);
  const core::PriorDescription prior = core::read_prior_argument(flags.get("prior", ""));
  const long n = flags.get_int("num", -1);
  core::check(n >= 1, "--num must be given and >= 1");
  core::check_memory(8.0 * static_cast<double>(n) * (plugin.theta_dim() + plugin.x_dim() + 1),
                     "--num " + std::to_string(n) + " simulations of plugin " + plugin.name());
  simulators::SimulateOptions options;
  options.seed = flags.get_seed("seed", 0);
  options.threads = set_threads(flags.get_int("threads", 0));
  ProgressReporter reporter;
  options.progress = reporter.callback();
  io::OutputFiles out({plugin_path, prior.file});
  out.add(out_path);

  const simulators::PluginBatch batch =
      simulators::simulate_plugin(plugin, prior.prior, n, options, policy == "fatal");
  reporter.finish();
  out.write_hdf5(out_path, [&](io::H5File& f) {
    write_simulation_file(f, inv, {options.seed, plugin.parameter_names(), plugin.data_names(),
                                   &prior.prior, prior.file, &batch.theta, &batch.x,
                                   plugin.x_shape()});
    f.set_attr("/", "plugin", plugin_path);
    f.set_attr("/", "plugin_name", plugin.name());
    f.set_attr("/", "num_failed", static_cast<std::int64_t>(batch.num_failed));
    f.write_uint8_array("/failed", {static_cast<size_t>(n)}, batch.failed);
  });
  out.commit();
  log_line("wrote %ld simulations of plugin %s to %s (%.2f s)", n, plugin.name().c_str(),
           out_path.c_str(), batch.seconds);
  if (batch.num_failed > 0)
    log_line("%ld of %ld simulations failed (x set to NaN, 1 in /failed; sbi train drops them)",
             batch.num_failed, n);
  return 0;
}

}  // namespace sbi::app
