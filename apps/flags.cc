#include "apps/flags.h"

#include <cerrno>
#include <climits>
#include <cstdlib>
#include <stdexcept>

#include "apps/nearest_name.h"
#include "core/error.h"

namespace sbi::app {

namespace {

// "unknown flag --lerning-rate; did you mean --lr?" (matching names and spelled-out aliases).
std::string unknown_flag_message(const std::string& name, const CommandSpec& spec) {
  std::vector<std::string> candidates;
  for (const FlagSpec& f : spec.flags) {
    candidates.push_back(f.name);
    if (!f.alias.empty()) candidates.push_back(f.alias);
  }
  const std::string nearest = nearest_name(name, candidates);
  for (const FlagSpec& f : spec.flags)
    if (!nearest.empty() && (f.name == nearest || f.alias == nearest))
      return "unknown flag --" + name + "; did you mean --" + f.name + "?";
  return "unknown flag --" + name + " (run with --help for the list of flags)";
}

}  // namespace

Flags::Flags(const std::vector<std::string>& args, const CommandSpec& spec) : spec_(spec) {
  for (size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a.rfind("--", 0) != 0 || a.size() == 2) {
      core::check(positional_.size() < spec.max_positional,
                  "unexpected argument '" + a + "'" +
                      (spec.max_positional == 0 ? " (this command takes only --flags)" : ""));
      positional_.push_back(a);
      continue;
    }
    std::string name = a.substr(2), value;
    const size_t eq = name.find('=');
    const bool inline_value = eq != std::string::npos;
    if (inline_value) {
      value = name.substr(eq + 1);
      name = name.substr(0, eq);
    }
    const FlagSpec* flag = spec.find(name);
    if (flag == nullptr) throw core::Error(unknown_flag_message(name, spec));
    if (flag->kind == FlagKind::kSwitch) {
      core::check(!inline_value, "--" + name + " takes no value");
      switches_.insert(name);
      continue;
    }
    if (!inline_value) {
      core::check(i + 1 < args.size(), "--" + name + " needs a value");
      value = args[++i];
      core::check(value.rfind("--", 0) != 0 || value.size() == 2,
                  "--" + name + " needs a value, but is followed by the flag " + value);
    }
    values_[name].push_back(value);
  }
}

void Flags::check_declared(const std::string& name, bool is_switch) const {
  const FlagSpec* flag = spec_.find(name);
  if (flag == nullptr || (flag->kind == FlagKind::kSwitch) != is_switch)
    throw std::logic_error("sbi " + spec_.name + " reads --" + name +
                           ", which its CommandSpec does not declare as a " +
                           (is_switch ? "switch" : "flag with a value"));
}

bool Flags::has(const std::string& name) const {
  check_declared(name, false);
  return values_.count(name) > 0;
}

bool Flags::on(const std::string& name) const {
  check_declared(name, true);
  return switches_.count(name) > 0;
}

std::string Flags::get(const std::string& name, const std::string& fallback) const {
  check_declared(name, false);
  auto it = values_.find(name);
  if (it == values_.end()) return fallback;
  core::check(it->second.size() == 1, "--" + name + " given more than once");
  return it->second.front();
}

std::string Flags::required(const std::string& name) const {
  core::check(has(name), "missing required flag --" + name);
  return get(name, "");
}

namespace {
// The whole of `text` as a decimal integer that fits a long.
bool parse_long(const std::string& text, long* out) {
  char* end = nullptr;
  errno = 0;
  *out = std::strtol(text.c_str(), &end, 10);
  return errno == 0 && end != text.c_str() && *end == '\0';
}
}  // namespace

long Flags::get_int(const std::string& name, long fallback) const {
  if (!has(name)) return fallback;
  const std::string s = get(name, "");
  long v = 0;
  core::check(parse_long(s, &v), "--" + name + " expects an integer, got '" + s + "'");
  return v;
}

int Flags::get_int32(const std::string& name, int fallback) const {
  const long v = get_int(name, fallback);
  core::check(v >= INT_MIN && v <= INT_MAX,
              "--" + name + " " + std::to_string(v) + " is out of range");
  return static_cast<int>(v);
}

std::vector<int> Flags::get_int_list(const std::string& name) const {
  const std::string s = get(name, "");
  std::vector<int> out;
  size_t start = 0;
  while (true) {
    const size_t comma = s.find(',', start);
    const std::string item = s.substr(start, comma == std::string::npos ? comma : comma - start);
    long v = 0;
    core::check(parse_long(item, &v) && v >= INT_MIN && v <= INT_MAX,
                "--" + name + " expects comma-separated integers, got '" + s + "'");
    out.push_back(static_cast<int>(v));
    if (comma == std::string::npos) return out;
    start = comma + 1;
  }
}

std::uint64_t Flags::get_seed(const std::string& name, std::uint64_t fallback) const {
  if (!has(name)) return fallback;
  const std::string s = get(name, "");
  char* end = nullptr;
  errno = 0;
  const unsigned long long v = std::strtoull(s.c_str(), &end, 10);
  core::check(errno == 0 && end != s.c_str() && *end == '\0' && s[0] != '-',
              "--" + name + " expects a non-negative integer, got '" + s + "'");
  return v;
}

double Flags::get_double(const std::string& name, double fallback) const {
  if (!has(name)) return fallback;
  const std::string s = get(name, "");
  char* end = nullptr;
  errno = 0;
  const double v = std::strtod(s.c_str(), &end);
  core::check(errno == 0 && end != s.c_str() && *end == '\0',
              "--" + name + " expects a number, got '" + s + "'");
  return v;
}

std::map<std::string, std::string> Flags::key_values(const std::string& name) const {
  std::map<std::string, std::string> out;
  for (const std::string& kv : all(name)) {
    const size_t eq = kv.find('=');
    core::check(eq != std::string::npos && eq > 0,
                "--" + name + " expects key=value, got '" + kv + "'");
    const std::string key = kv.substr(0, eq);
    core::check(out.emplace(key, kv.substr(eq + 1)).second,
                "--" + name + " " + key + "=... is given more than once");
  }
  return out;
}

std::vector<std::string> Flags::all(const std::string& name) const {
  check_declared(name, false);
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

}  // namespace sbi::app
