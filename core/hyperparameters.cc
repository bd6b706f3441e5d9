#include "core/hyperparameters.h"

#include <climits>
#include <cmath>
#include <sstream>

#include "core/error.h"

namespace sbi::core {
namespace {

// Doubles hold every integer up to 2^53 exactly; above, a stored value may be rounded.
constexpr double kExactIntegers = 9007199254740992.0;

bool integral_double(double v) { return std::isfinite(v) && std::floor(v) == v; }

std::string describe(const Hyperparameters::Value& v) {
  std::ostringstream out;
  std::visit([&](const auto& x) { out << x; }, v);
  return out.str();
}

}  // namespace

const Hyperparameters::Value& Hyperparameters::find(const std::string& name) const {
  const auto it = values_.find(name);
  if (it == values_.end()) {
    throw Error(owner_ + ": hyperparameter '" + name + "' is missing (the model file is damaged "
                         "or from another program)");
  }
  return it->second;
}

void Hyperparameters::wrong_type(const std::string& name, const char* expected) const {
  throw Error(owner_ + ": hyperparameter '" + name + "' = " + describe(find(name)) + " is not " +
              expected);
}

int Hyperparameters::get_int(const std::string& name) const {
  const Value& v = find(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    if (*i >= INT_MIN && *i <= INT_MAX) return static_cast<int>(*i);
  } else if (const auto* u = std::get_if<std::uint64_t>(&v)) {
    if (*u <= static_cast<std::uint64_t>(INT_MAX)) return static_cast<int>(*u);
  } else if (const auto* d = std::get_if<double>(&v)) {  // format version 1
    if (integral_double(*d) && std::fabs(*d) <= INT_MAX) return static_cast<int>(*d);
  }
  wrong_type(name, "an integer of int range");
}

std::uint64_t Hyperparameters::get_uint64(const std::string& name) const {
  const Value& v = find(name);
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return *u;
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    if (*i >= 0) return static_cast<std::uint64_t>(*i);
  } else if (const auto* d = std::get_if<double>(&v)) {  // format version 1
    if (integral_double(*d) && *d >= 0 && *d < kExactIntegers) return static_cast<std::uint64_t>(*d);
    if (integral_double(*d) && *d >= kExactIntegers) {
      throw Error(owner_ + ": hyperparameter '" + name + "' was stored as the double " +
                  describe(v) + ", rounded from a value above 2^53 (a model file of format "
                  "version 1 trained with such a --seed): the network cannot be rebuilt "
                  "exactly; retrain the model");
    }
  }
  wrong_type(name, "an unsigned 64-bit integer");
}

double Hyperparameters::get_double(const std::string& name) const {
  const Value& v = find(name);
  if (const auto* d = std::get_if<double>(&v)) return *d;
  if (const auto* i = std::get_if<std::int64_t>(&v)) return static_cast<double>(*i);
  if (const auto* u = std::get_if<std::uint64_t>(&v)) return static_cast<double>(*u);
  wrong_type(name, "a number");
}

bool Hyperparameters::get_bool(const std::string& name) const {
  const Value& v = find(name);
  if (const auto* i = std::get_if<std::int64_t>(&v)) {
    if (*i == 0 || *i == 1) return *i == 1;
  } else if (const auto* d = std::get_if<double>(&v)) {  // format version 1
    if (*d == 0.0 || *d == 1.0) return *d == 1.0;
  }
  wrong_type(name, "a flag (0 or 1)");
}

std::string Hyperparameters::get_enum_name(const std::string& name,
                                           const std::vector<std::string>& names) const {
  const Value& v = find(name);
  std::string known;
  for (const std::string& n : names) known += (known.empty() ? "" : ", ") + n;
  if (const auto* s = std::get_if<std::string>(&v)) {
    for (const std::string& n : names)
      if (n == *s) return n;
    throw Error(owner_ + ": hyperparameter '" + name + "' = '" + *s + "' is not one of " + known);
  }
  if (const auto* d = std::get_if<double>(&v)) {  // format version 1: the index
    if (integral_double(*d) && *d >= 0 && *d < static_cast<double>(names.size()))
      return names[static_cast<size_t>(*d)];
  }
  wrong_type(name, ("one of " + known).c_str());
}

}  // namespace sbi::core
