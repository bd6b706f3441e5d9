// The help texts, generated from the command table (apps/command_specs.h).
#pragma once

#include <string>
#include <vector>

#include "apps/flag_spec.h"

namespace sbi::app {

// `sbi NAME --help`: usage, summary, then one entry per flag with its placeholder, meaning
// and default, wrapped to 100 columns.
std::string command_help(const CommandSpec& spec);

// `sbi --help`: every command's usage line and summary, and the notes they share.
std::string program_help(const std::vector<CommandSpec>& specs);

}  // namespace sbi::app
