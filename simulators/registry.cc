#include "simulators/registry.h"

#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <functional>

#include "core/error.h"
#include "simulators/dwarf.h"
#include "simulators/gaussian_linear.h"
#include "simulators/slcp.h"
#include "simulators/two_moons.h"

namespace sbi::simulators {
namespace {

using Params = std::map<std::string, std::string>;

struct Entry {
  const char* name;
  std::vector<std::string> keys;
  std::function<Task(const Params&)> make;
};

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out.empty() ? "(none)" : out;
}

[[noreturn]] void bad_value(const std::string& task, const std::string& key,
                            const std::string& value, const char* expected) {
  throw core::Error("make_task: " + task + " parameter " + key + " = '" + value + "' is not " +
                    expected);
}

// Sets *out from params[key] when present; the whole string must parse.
void read(const Params& p, const std::string& task, const std::string& key, double* out) {
  const auto it = p.find(key);
  if (it == p.end()) return;
  char* end = nullptr;
  const double v = std::strtod(it->second.c_str(), &end);
  if (it->second.empty() || *end != '\0' || !std::isfinite(v))
    bad_value(task, key, it->second, "a finite number");
  *out = v;
}

void read(const Params& p, const std::string& task, const std::string& key, int* out) {
  const auto it = p.find(key);
  if (it == p.end()) return;
  char* end = nullptr;
  errno = 0;
  const long v = std::strtol(it->second.c_str(), &end, 10);
  if (it->second.empty() || *end != '\0' || errno == ERANGE || v < 1 || v > 1000000)
    bad_value(task, key, it->second, "an integer in 1..1000000");
  *out = static_cast<int>(v);
}

void read(const Params& p, const std::string& task, const std::string& key,
          AnisotropyModel* out) {
  const auto it = p.find(key);
  if (it == p.end()) return;
  if (it->second == "constant") *out = AnisotropyModel::kConstant;
  else if (it->second == "om") *out = AnisotropyModel::kOsipkovMerritt;
  else bad_value(task, key, it->second, "constant or om");
}

const std::vector<Entry>& entries() {  // sorted by name
  static const std::vector<Entry> kEntries = {
      {"dwarf",
       {"anisotropy", "grid_points", "num_stars", "num_stars_min", "v_err"},
       [](const Params& p) {
         DwarfConfig c;
         read(p, "dwarf", "num_stars", &c.num_stars);
         read(p, "dwarf", "num_stars_min", &c.num_stars_min);
         read(p, "dwarf", "v_err", &c.v_err);
         read(p, "dwarf", "anisotropy", &c.anisotropy);
         read(p, "dwarf", "grid_points", &c.jeans.grid_points);
         std::string error;
         if (!c.is_valid(&error)) throw core::Error("make_task: dwarf: " + error);
         return make_dwarf_task(c);
       }},
      {"gaussian_linear",
       {"dim", "noise_var", "prior_var"},
       [](const Params& p) {
         GaussianLinearConfig c;
         read(p, "gaussian_linear", "dim", &c.dim);
         read(p, "gaussian_linear", "prior_var", &c.prior_var);
         read(p, "gaussian_linear", "noise_var", &c.noise_var);
         return make_gaussian_linear_task(c);
       }},
      {"gaussian_linear_uniform",
       {"dim", "noise_var", "prior_bound"},
       [](const Params& p) {
         GaussianLinearUniformConfig c;
         read(p, "gaussian_linear_uniform", "dim", &c.dim);
         read(p, "gaussian_linear_uniform", "prior_bound", &c.prior_bound);
         read(p, "gaussian_linear_uniform", "noise_var", &c.noise_var);
         return make_gaussian_linear_uniform_task(c);
       }},
      {"slcp", {}, [](const Params&) { return make_slcp_task(); }},
      {"two_moons", {}, [](const Params&) { return make_two_moons_task(); }},
  };
  return kEntries;
}

}  // namespace

Task make_task(const std::string& name, const Params& params) {
  for (const Entry& e : entries()) {
    if (name != e.name) continue;
    for (const auto& [key, value] : params) {
      bool known = false;
      for (const auto& k : e.keys) known = known || k == key;
      core::check(known, "make_task: task " + name + " has no parameter '" + key +
                             "'; accepted: " + join(e.keys));
    }
    return e.make(params);
  }
  throw core::Error("make_task: unknown task '" + name + "'; known tasks: " + join(task_names()));
}

std::vector<std::string> task_names() {
  std::vector<std::string> names;
  for (const Entry& e : entries()) names.push_back(e.name);
  return names;
}

}  // namespace sbi::simulators
