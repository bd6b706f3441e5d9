// Command-line flags: `--name value`, `--name=value`, repeatable flags (`--param k=v`)
// and positional arguments. Every flag a command accepts is declared, so a misspelt flag
// is an error rather than silently ignored.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>
#include <vector>

namespace sbi::app {

class Flags {
 public:
  // args: argv after the subcommand. value_flags take a value; switch_flags do not.
  Flags(const std::vector<std::string>& args, const std::set<std::string>& value_flags,
        const std::set<std::string>& switch_flags = {});

  bool has(const std::string& name) const { return values_.count(name) > 0; }
  std::string get(const std::string& name, const std::string& fallback) const;
  std::string required(const std::string& name) const;
  long get_int(const std::string& name, long fallback) const;
  std::uint64_t get_seed(const std::string& name, std::uint64_t fallback) const;
  double get_double(const std::string& name, double fallback) const;
  std::vector<std::string> all(const std::string& name) const;  // every value of a repeated flag
  bool on(const std::string& name) const { return switches_.count(name) > 0; }
  const std::vector<std::string>& positional() const { return positional_; }

 private:
  std::map<std::string, std::vector<std::string>> values_;
  std::set<std::string> switches_;
  std::vector<std::string> positional_;
};

}  // namespace sbi::app
