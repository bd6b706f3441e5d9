// One function per `sbi` subcommand; each parses its flags into options, makes one library
// call, and writes its output file atomically. Errors are thrown as core::Error and
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

// Fails early (before long work) if `path` cannot be written.
void check_writable(const std::string& path);

// Sets the OpenMP thread count from --threads (0 or absent: OpenMP's default).
void set_threads(long threads);

}  // namespace sbi::app
