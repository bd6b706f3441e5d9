// The table of every `sbi` command: its usage line, summary and flags (apps/flag_spec.h).
// Each cmd_*.cc parses its arguments with its entry; `sbi --help` and `sbi NAME --help` print
// it, and tests/apps/help_cli_test.cc checks that the help lists every flag.
#pragma once

#include <string>
#include <vector>

#include "apps/flag_spec.h"

namespace sbi::app {

// Every command, in the order `sbi --help` lists them.
const std::vector<CommandSpec>& command_specs();

// The command called `name`; core::Error for an unknown one.
const CommandSpec& command_spec(const std::string& name);

}  // namespace sbi::app
