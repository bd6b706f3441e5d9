// The names of an enum's values, for the typed options that are chosen by name on the
// command line and stored by name in model files: one table per enum, in the order of the
// enum (its values are 0, 1, 2, ...), and the conversions every such enum needs.
//
//   const core::EnumNames<OdeSolver>& solvers() {
//     static const core::EnumNames<OdeSolver> names("ODE solver", {"rk4", "dopri5"});
//     return names;
//   }
//   solvers().parse("rk45")  // core::Error: unknown ODE solver 'rk45' (expected rk4 or dopri5)
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "core/error.h"

namespace sbi::core {

template <class Enum>
class EnumNames {
 public:
  // `what` names the kind of choice in error messages ("activation", "estimator").
  EnumNames(std::string what, std::vector<std::string> names)
      : what_(std::move(what)), names_(std::move(names)) {}

  // The value called `name`; throws core::Error naming the accepted names.
  Enum parse(const std::string& name) const {
    for (size_t i = 0; i < names_.size(); ++i)
      if (names_[i] == name) return static_cast<Enum>(i);
    throw Error("unknown " + what_ + " '" + name + "' (expected " + accepted() + ")");
  }

  // The name of `value`; throws core::Error for a value outside the enum (a corrupt option).
  const std::string& name(Enum value) const {
    const auto i = static_cast<size_t>(value);
    if (i >= names_.size())
      throw Error(what_ + " " + std::to_string(static_cast<long>(value)) + " is not one of " +
                  accepted());
    return names_[i];
  }

  const std::vector<std::string>& names() const { return names_; }

  // "a, b or c".
  std::string accepted() const {
    std::string out;
    for (size_t i = 0; i < names_.size(); ++i)
      out += (i == 0 ? "" : i + 1 == names_.size() ? " or " : ", ") + names_[i];
    return out;
  }

 private:
  std::string what_;
  std::vector<std::string> names_;
};

}  // namespace sbi::core
