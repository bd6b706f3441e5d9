// sbi prior sample --prior SPEC|FILE --num N --seed S --out theta.h5: draws of a prior alone,
// draw i from the stream (S, i) as in `sbi simulate`, so `sbi simulate --theta theta.h5`
// simulates at the θ that `sbi simulate --prior ... --seed S` would draw.
#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "core/error.h"
#include "core/memory_budget.h"
#include "core/prior_file.h"
#include "io/h5_file.h"
#include "io/output_files.h"
#include "io/provenance.h"
#include "simulators/batch.h"

namespace sbi::app {

int cmd_prior(const Invocation& inv) {
  Flags flags(inv.args, command_spec("prior"));
  const std::vector<std::string>& pos = flags.positional();
  core::check(pos.size() == 1 && pos[0] == "sample",
              "usage: sbi prior sample --prior SPEC|FILE --num N --out theta.h5");
  const std::string out_path = flags.required("out");
  const core::PriorDescription prior = core::read_prior_argument(flags.required("prior"));
  const long n = flags.get_int("num", -1);
  core::check(n >= 1, "--num must be given and >= 1");
  core::check_memory(8.0 * static_cast<double>(n) * prior.prior.dim(),
                     "--num " + std::to_string(n) + " prior draws");
  simulators::SimulateOptions options;
  options.seed = flags.get_seed("seed", 0);
  options.threads = set_threads(flags.get_int("threads", 0));
  io::OutputFiles out({prior.file});
  out.add(out_path);
  const Eigen::MatrixXd theta = simulators::sample_prior(prior.prior, n, options);
  out.write_hdf5(out_path, [&](io::H5File& f) {
    io::Provenance p;
    p.command_line = inv.command_line;
    p.seed = options.seed;
    p.has_seed = true;
    p.parameter_names = prior.names;
    io::stamp_provenance(f, p);
    f.set_attr("/", "prior", prior.prior.to_string());
    if (!prior.file.empty()) {
      f.set_attr("/", "prior_file", prior.file);
      f.set_attr("/", "parameter_units", prior.units);
    }
    f.write_matrix("/theta", theta);
  });
  out.commit();
  log_line("wrote %ld prior draws of %d parameters to %s", n, prior.prior.dim(), out_path.c_str());
  return 0;
}

}  // namespace sbi::app
