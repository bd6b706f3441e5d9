// sbi ensemble: one model file that mixes several trained models of the same quantity,
// q(θ | x) = (1/K) Σ_k q_k(θ | x) (sbi/posterior_model.h). The members are trained apart,
// e.g. `sbi train --seed k` as K jobs on K nodes, and every command that reads a model
// (sample, map, diagnose, emulate) then uses their mixture.
#include <cstdio>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/flags.h"
#include "apps/progress_reporter.h"
#include "apps/simulation_file.h"
#include "core/error.h"
#include "io/output_files.h"
#include "sbi/model_file.h"

namespace sbi::app {

int cmd_ensemble(const Invocation& inv) {
  Flags flags(inv.args, command_spec("ensemble"));
  const std::vector<std::string> paths = flags.all("model");
  const std::string out_path = flags.required("out");
  core::check(paths.size() >= 2, "sbi ensemble needs at least two --model files (got " +
                                     std::to_string(paths.size()) + ")");
  io::OutputFiles out(paths);
  out.add(out_path);

  TrainSummary first_summary;
  PosteriorModel ensemble = load_model(paths[0], &first_summary);
  // One training summary per further member; those of members that join from an input
  // ensemble are not kept (empty).
  std::vector<TrainSummary> summaries(ensemble.other_members.size());
  auto add = [&](PosteriorModel member, const TrainSummary& summary, const std::string& path) {
    const std::string which = path + " and " + paths[0];
    core::check(member.target == ensemble.target,
                which + " model different quantities (a posterior and a likelihood): they cannot be mixed");
    core::check(member.parameter_names == ensemble.parameter_names && member.data_names == ensemble.data_names,
                which + " name their parameters or data differently: models of other simulations");
    const std::string prior = member.prior ? member.prior->to_string() : "none";
    const std::string first = ensemble.prior ? ensemble.prior->to_string() : "none";
    core::check(prior == first, which + " have different priors (" + prior + " and " + first + ")");
    // add_member checks the dimensions, data shape and mask (with their own messages).
    for (PosteriorModel& m : member.other_members) {
      summaries.push_back(TrainSummary{});
      ensemble.add_member(std::move(m));
    }
    member.other_members.clear();
    summaries.push_back(summary);
    ensemble.add_member(std::move(member));
  };
  for (size_t i = 1; i < paths.size(); ++i) {
    TrainSummary summary;
    add(load_model(paths[i], &summary), summary, paths[i]);
  }
  core::check(ensemble.ensemble_size() <= 1000, "an ensemble holds at most 1000 members");
  out.write_hdf5(out_path, [&](io::H5File& f) {
    write_model(f, ensemble, first_summary, provenance_of(inv, 0), summaries);
    std::vector<std::string> sources = paths;
    f.set_attr("/", "ensemble_sources", sources);
  });
  out.commit();
  log_line("wrote %s: an equal-weight mixture of %d %s models", out_path.c_str(), ensemble.ensemble_size(),
           ensemble.is_likelihood() ? "likelihood" : "posterior");
  return 0;
}

}  // namespace sbi::app
