// Entry point of the `sbi` program: dispatches to one cmd_*.cc per subcommand and turns
// any error into one line on stderr and exit code 1.
#include <omp.h>

#include <algorithm>
#include <cstdio>
#include <exception>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "apps/command_specs.h"
#include "apps/commands.h"
#include "apps/help_text.h"
#include "apps/process_group.h"
#include "apps/version.h"
#include "core/error.h"
#include "apps/progress_reporter.h"
#include "io/provenance.h"

namespace sbi::app {

int set_threads(long threads) {
  core::check(threads >= 0, "--threads must be >= 0");
  // More threads than processors only slow the work down (results do not depend on the
  // count), and libgomp crashes when it cannot create tens of thousands of them.
  const int processors = std::max(1, omp_get_num_procs());
  if (threads > processors) {
    log_line("--threads %ld is more than the %d processors available: using %d", threads,
             processors, processors);
    threads = processors;
  }
  if (threads > 0) omp_set_num_threads(static_cast<int>(threads));
  return static_cast<int>(threads);
}

namespace {

using Command = int (*)(const Invocation&);

// The function of each command of the table (apps/command_specs.h).
Command command_function(const std::string& name) {
  static const std::pair<const char*, Command> kCommands[] = {
      {"simulate", cmd_simulate}, {"train", cmd_train},   {"sample", cmd_sample},
      {"map", cmd_map},           {"diagnose", cmd_diagnose}, {"plot", cmd_plot},
      {"export", cmd_export},     {"lens-fit", cmd_lens_fit}, {"info", cmd_info},
      {"cosmo", cmd_cosmo},       {"prior", cmd_prior},         {"vae", cmd_vae},
      {"reconstruct", cmd_reconstruct}, {"lens-image", cmd_lens_image},
      {"emulate", cmd_emulate},
      {"infer", cmd_infer},       {"ensemble", cmd_ensemble}};
  for (const auto& [command, function] : kCommands)
    if (name == command) return function;
  return nullptr;
}

bool asks_for_help(const std::vector<std::string>& args) {
  return std::find(args.begin(), args.end(), "--help") != args.end() ||
         std::find(args.begin(), args.end(), "-h") != args.end();
}

}  // namespace
}  // namespace sbi::app

int main(int argc, char** argv) {
  using namespace sbi::app;
  const std::string first = argc < 2 ? "" : argv[1];
  if (argc < 2 || first == "--help" || first == "-h" || first == "help") {
    std::fputs(program_help(command_specs()).c_str(), argc < 2 ? stderr : stdout);
    return argc < 2 ? 1 : 0;
  }
  if (first == "--version") {
    std::fputs(version_text().c_str(), stdout);
    return 0;
  }
  const Command command = command_function(first);
  if (command == nullptr) {
    std::fprintf(stderr, "sbi: error: unknown command '%s' (run `sbi --help`)\n", first.c_str());
    return 1;
  }
  Invocation inv{std::vector<std::string>(argv + 2, argv + argc),
                 sbi::io::join_command_line(argc, argv)};
  if (asks_for_help(inv.args)) {
    std::fputs(command_help(command_spec(first)).c_str(), stdout);
    return 0;
  }
  // Under mpirun an error seen by every rank is printed once (by rank 0); one seen by a
  // single rank of a group (rank 0 writing the output) carries its rank.
  const auto report = [](const std::string& message) {
    if (in_process_group()) {
      std::fprintf(stderr, "sbi: error: rank %d: %s\n", process_group().rank(), message.c_str());
    } else if (launcher_rank() == 0) {
      std::fprintf(stderr, "sbi: error: %s\n", message.c_str());
    }
  };
  try {
    return command(inv);
  } catch (const JobFailure& e) {
    if (process_group().is_root()) std::fprintf(stderr, "sbi: error: %s\n", e.what());
    return 1;
  } catch (const std::bad_alloc&) {
    report("out of memory; use smaller sizes (--num, --hidden, --batch-size) or a machine with more memory");
    return 1;
  } catch (const std::exception& e) {
    report(e.what());
    return 1;
  }
}
