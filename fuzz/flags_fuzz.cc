// Fuzzes the command line: the input is an argv, arguments separated by NUL bytes, the first
// the subcommand ("train\0--data\0sims.h5\0--hidden\0008"). It goes through app::Flags with
// each subcommand's real flag set and then through the same getters, option checks and
// parsers (priors, --param, task names, TARP reference, export format) as apps/cmd_*.cc, up
// to the point where the command would open a file or start work; nothing is read, written,
// simulated or trained. Wrong input must end in core::Error.
//
// The flag sets below mirror apps/cmd_*.cc (they are local to each command there); keep them
// in step when a command gains a flag.
#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "apps/command_specs.h"
#include "apps/flags.h"
#include "apps/train_flags.h"
#include "core/error.h"
#include "core/prior.h"
#include "fuzz/fuzz_support.h"
#include "sbi/calibration.h"
#include "sbi/corner_plot.h"
#include "sbi/map.h"
#include "sbi/posterior_export.h"
#include "sbi/posterior_model.h"
#include "sbi/posterior_sampler.h"
#include "sbi/tarp.h"
#include "sbi/trainer.h"
#include "simulators/batch.h"
#include "simulators/registry.h"

namespace {

using sbi::app::command_spec;
using sbi::app::Flags;
namespace core = sbi::core;

void threads(const Flags& flags) {
  const long t = flags.get_int("threads", 0);
  core::check(t >= 0, "--threads must be >= 0");  // as app::set_threads, without setting them
}

std::map<std::string, std::string> params(const Flags& flags) {
  std::map<std::string, std::string> out;
  for (const std::string& kv : flags.all("param")) {
    const size_t eq = kv.find('=');
    core::check(eq != std::string::npos && eq > 0, "--param expects key=value, got '" + kv + "'");
    out[kv.substr(0, eq)] = kv.substr(eq + 1);
  }
  return out;
}

void simulate(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("simulate"));
  flags.required("out");
  const sbi::simulators::Task task = sbi::simulators::make_task(flags.required("task"), params(flags));
  sbi::fuzz::require(task.simulator != nullptr, "make_task returns a simulator");
  sbi::simulators::SimulateOptions options;
  options.seed = flags.get_seed("seed", 0);
  options.threads = static_cast<int>(flags.get_int("threads", 0));
  core::check_valid(options, "");
  if (flags.has("theta")) {
    core::check(!flags.has("num"), "give either --num (prior draws) or --theta, not both");
    flags.get("theta", "");
  } else {
    core::check(flags.get_int("num", -1) >= 1, "--num must be given and >= 1");
  }
}

void train(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("train"));
  flags.required("data");
  flags.required("out");
  threads(flags);
  const sbi::ModelOptions m = sbi::app::model_options_from(flags);
  sbi::app::train_options_from(flags, m.density.kind);
  const std::string nonfinite = flags.get("nonfinite", "drop");
  core::check(nonfinite == "drop" || nonfinite == "error", "--nonfinite expects drop or error");
  if (flags.has("prior")) core::Prior::parse(flags.get("prior", ""));
}

void sample(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("sample"));
  flags.required("model");
  flags.required("observation");
  flags.required("out");
  threads(flags);
  sbi::SampleOptions options;
  options.num_samples = flags.get_int("num", options.num_samples);
  options.seed = flags.get_seed("seed", 0);
  options.restrict_to_prior = !flags.on("no-prior-restriction");
  core::check_valid(options, "");
}

void map(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("map"));
  flags.required("model");
  flags.required("observation");
  flags.required("out");
  threads(flags);
  sbi::MapOptions options;
  options.num_starts = static_cast<int>(flags.get_int("starts", options.num_starts));
  options.num_candidates = flags.get_int("candidates", options.num_candidates);
  options.max_iterations = static_cast<int>(flags.get_int("max-iterations", options.max_iterations));
  options.seed = flags.get_seed("seed", 0);
  options.restrict_to_prior = !flags.on("no-prior-restriction");
  core::check_valid(options, "");
}

void diagnose(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("diagnose"));
  flags.required("model");
  flags.required("out");
  const std::map<std::string, std::string> p = params(flags);
  sbi::CalibrationOptions options;
  options.num_simulations = flags.get_int("num-sbc", -1);
  core::check(flags.has("num-sbc"), "missing required flag --num-sbc");
  options.num_posterior_samples = flags.get_int("num-posterior-samples", options.num_posterior_samples);
  options.seed = flags.get_seed("seed", 0);
  options.threads = static_cast<int>(flags.get_int("threads", 0));
  options.tarp_reference = sbi::parse_tarp_reference(flags.get("tarp-reference", "prior"));
  core::check(options.threads >= 0, "--threads must be >= 0");
  core::check_valid(options, "");
  sbi::simulators::make_task(flags.required("task"), p);
}

void plot(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("plot"));
  const std::vector<std::string>& pos = flags.positional();
  core::check(!pos.empty(), "sbi plot needs a kind of plot");
  core::check(pos[0] == "corner", "unknown plot");
  core::check(pos.size() == 2, "sbi plot corner takes one posterior file");
  flags.required("out");
  sbi::CornerPlotOptions options;
  options.bins_2d = static_cast<int>(flags.get_int("bins", options.bins_2d));
  options.bins_1d = options.bins_2d;
  options.smooth = flags.get_double("smooth", options.smooth);
  options.title = flags.get("title", "");
  core::check_valid(options, "");
  flags.get_int("observation", 0);
  if (flags.has("truth")) flags.get("truth", "");
}

void export_(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("export"));
  core::check(flags.positional().size() == 1, "sbi export takes one posterior file");
  sbi::parse_export_format(flags.required("format"));
  flags.required("out");
}

void info(const std::vector<std::string>& args) {
  Flags flags(args, command_spec("info"));
  core::check(flags.positional().size() == 1, "usage: sbi info FILE.h5");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::vector<std::string> argv(1);
  for (std::size_t i = 0; i < size; ++i) {
    if (data[i] == 0) {
      argv.emplace_back();
    } else {
      argv.back().push_back(static_cast<char>(data[i]));
    }
  }
  const std::string command = argv.front();
  const std::vector<std::string> args(argv.begin() + 1, argv.end());
  try {
    if (command == "simulate") simulate(args);
    if (command == "train") train(args);
    if (command == "sample") sample(args);
    if (command == "map") map(args);
    if (command == "diagnose") diagnose(args);
    if (command == "plot") plot(args);
    if (command == "export") export_(args);
    if (command == "info") info(args);
  } catch (const sbi::core::Error&) {
  }
  return 0;
}
