// sbi emulate --model emu.h5 --theta theta.h5 --num-per-theta K --seed S --out emulated.h5
//
// Simulations from a trained likelihood model q(x | θ) (`sbi train --target x`): K draws of x
// at each row θ_i of theta.h5's /theta, the draws of row i from the random stream (S, i), so
// that any split of the rows gives the same file. Under mpirun (a build with -DSBI_MPI=ON) the
// rows are split in chunks across the ranks as by `sbi simulate` (apps/simulation_chunks.h):
// the file is bitwise the single-process one.
//
// emulated.h5 is a simulation file (sbi/simulation_data.h): /theta (N K, D_θ), row i K + k
// the θ of row i, /x (N K, D_x), the names, and attributes emulator_file, theta_file,
// num_per_theta and provenance; `sbi train` reads it like `sbi simulate`'s.
#include <algorithm>
#include <optional>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/process_group.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_chunks.h"
#include "apps/simulation_file.h"
#include "core/digest.h"
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
  const ProcessGroup& group = process_group();
  std::optional<io::OutputFiles> out;
  std::optional<PosteriorModel> model_holder;
  Eigen::MatrixXd theta;
  int theta_dim = 0, x_dim = 0;
  run_collectively(group, [&] {
    set_threads(flags.get_int("threads", 0));
    out.emplace(std::vector<std::string>{model_path, theta_path});
    if (group.is_root()) out->add(out_path);
    model_holder.emplace(load_model(model_path));
    check_model_target(*model_holder, ModelTarget::kX, model_path);
    theta_dim = model_holder->x_dim();  // the roles of a likelihood model
    x_dim = model_holder->theta_dim();
    io::H5File f = io::H5File::open_read(theta_path);
    core::check(f.is_dataset("/theta"), "--theta " + theta_path + " has no /theta dataset");
    theta = f.read_matrix("/theta", theta_dim, io::NanPolicy::kReject);
    core::check(theta.cols() >= 1, "--theta " + theta_path + ": /theta has no rows");
    core::check_memory(8.0 * static_cast<double>(theta.cols()) * k * (theta_dim + x_dim),
                       std::to_string(theta.cols()) + " theta x --num-per-theta " + std::to_string(k) +
                           " emulated simulations");
  });
  const PosteriorModel& model = *model_holder;
  const long n = theta.cols();

  // Rows [first, first + count) of theta: their K draws each, as columns [first K, (first + count) K).
  const auto emulate_rows = [&](long first, long count, const core::ProgressCallback& progress) {
    simulators::SimulationBatch b;
    b.x.resize(x_dim, count * k);
    b.theta.resize(theta_dim, count * k);
    for (long i = first; i < first + count; ++i) {
      core::Rng rng(seed, static_cast<std::uint64_t>(i));
      b.x.middleCols((i - first) * k, k) = model.draw(k, theta.col(i), &rng);
      b.theta.middleCols((i - first) * k, k) = theta.col(i).replicate(1, k);
      if (progress) progress({"emulate", i + 1, n, ""});
    }
    return b;
  };
  ProgressReporter reporter;
  const core::ProgressCallback progress = group.is_root() ? reporter.callback() : nullptr;
  simulators::SimulationBatch all;
  ChunkedRun run;
  if (group.size() > 1) {
    // The unit of a chunk is one output column; a chunk holds whole rows (K columns each).
    const long rows_per_chunk = std::max(1L, std::min(10000L / k, (n + group.size() - 1) / group.size()));
    run.dir = out_path + ".chunks";
    run.fingerprint = core::Digest().add(theta).add(model_path + " " + std::to_string(seed) + " " +
                                                     std::to_string(k)).hex();
    run.n = n * k;
    run.chunk = rows_per_chunk * k;
    run.theta_dim = theta_dim;
    run.x_dim = x_dim;
    run.inputs = {model_path, theta_path};
    all = run_in_chunks(run, /*resume=*/false, group,
                        [&](long first, long count) { return emulate_rows(first / k, count / k, nullptr); },
                        [&](long done, long total) { if (progress) progress({"emulate", done, total, ""}); });
    if (!group.is_root()) return 0;  // its chunks are written; rank 0 writes the output
  } else {
    all = emulate_rows(0, n, progress);
  }
  reporter.finish();
  const Eigen::MatrixXd& x = all.x;
  const Eigen::MatrixXd& theta_out = all.theta;
  out->write_hdf5(out_path, [&](io::H5File& g) {
    io::Provenance p = provenance_of(inv, seed);
    p.parameter_names = model.data_names;  // θ's names: the context side of a likelihood model
    p.data_names = model.parameter_names;
    io::stamp_provenance(g, p);
    write_simulations(g, theta_out, x, core::DataShape::vector(x_dim));
    g.set_attr("/", "emulator_file", model_path);
    g.set_attr("/", "theta_file", theta_path);
    g.set_attr("/", "num_per_theta", static_cast<std::int64_t>(k));
  });
  out->commit();
  if (group.size() > 1) remove_chunks(run);
  log_line("wrote %ld emulated simulations (%ld theta x %ld) of %d-dimensional x to %s", n * k, n, k, x_dim,
           out_path.c_str());
  return 0;
}

}  // namespace sbi::app
