// One function per `sbi` subcommand; each parses its flags into options, makes one library
// call, and writes its outputs through one io::OutputFiles (checked before the long work,
// committed all or nothing at the end). Errors are thrown as core::Error and
// printed by main() as one line.
#pragma once

#include <string>
#include <vector>

namespace sbi::app {

struct Invocation {
  std::vector<std::string> args;  // after the subcommand
  std::string command_line;       // the whole command, for provenance
};

int cmd_simulate(const Invocation& inv);
int cmd_train(const Invocation& inv);
int cmd_sample(const Invocation& inv);
int cmd_info(const Invocation& inv);
int cmd_diagnose(const Invocation& inv);
int cmd_map(const Invocation& inv);
int cmd_plot(const Invocation& inv);
int cmd_export(const Invocation& inv);
int cmd_cosmo(const Invocation& inv);
int cmd_lens_fit(const Invocation& inv);
int cmd_prior(const Invocation& inv);
int cmd_reconstruct(const Invocation& inv);
int cmd_lens_image(const Invocation& inv);
int cmd_emulate(const Invocation& inv);
int cmd_infer(const Invocation& inv);
int cmd_ensemble(const Invocation& inv);
int cmd_vae(const Invocation& inv);

// Sets the OpenMP thread count from --threads (0 or absent: OpenMP's default), capped at the
// number of processors with a message. Returns the count set (0: the default).
int set_threads(long threads);

}  // namespace sbi::app
