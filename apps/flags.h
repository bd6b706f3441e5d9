// Command-line flags: `--name value`, `--name=value`, repeatable flags (`--param k=v`)
// and positional arguments. Every flag a command accepts is declared in its CommandSpec
// (apps/flag_spec.h), so a misspelt flag is an error ("did you mean" the nearest one) rather
// than silently ignored, and reading a flag the spec does not declare is a programming error
// (std::logic_error), so the help text always lists what the command reads.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "apps/flag_spec.h"
#include "core/error.h"

namespace sbi::app {

class Flags {
 public:
  // args: argv after the subcommand, parsed against `spec` (copied): at most
  // spec.max_positional arguments may be plain words (an extra one is an error, not ignored).
  Flags(const std::vector<std::string>& args, const CommandSpec& spec);

  bool has(const std::string& name) const;
  std::string get(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;
  long get_int(const std::string& name, long fallback) const;
  // An integer that must fit in an int (sizes of networks, counts of bins).
  int get_int32(const std::string& name, int fallback) const;
  std::uint64_t get_seed(const std::string& name, std::uint64_t fallback) const;
  double get_double(const std::string& name, double fallback) const;
  // A comma-separated list of integers that fit an int ("16,32,64"); no fallback: check has().
  std::vector<int> get_int_list(const std::string& name) const;
  // One of a fixed set of names, as an enum: `parse` (e.g. sbi::parse_density_kind) throws
  // core::Error naming the accepted names; the message is prefixed with the flag.
  template <class Enum>
  Enum get_choice(const std::string& name, Enum fallback,
                  Enum (*parse)(const std::string&)) const {
    if (!has(name)) return fallback;
    try {
      return parse(get(name, ""));
    } catch (const core::Error& e) {
      throw core::Error("--" + name + ": " + e.what());
    }
  }
  std::vector<std::string> all(const std::string& name) const;  // every value of a repeated flag
  // A repeatable `--name key=value` flag as a map; a key given twice is an error.
  std::map<std::string, std::string> key_values(const std::string& name) const;
  bool on(const std::string& name) const;
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  // Throws std::logic_error unless the spec declares `name` (as a switch when `is_switch`).
  void check_declared(const std::string& name, bool is_switch) const;

  CommandSpec spec_;
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace sbi::app
