// The physical rule each entry of θ must satisfy before a simulator runs (an axis ratio in
// (0, 1], a radius > 0, ...), checked with one message format for every simulator:
// "<function>: q = 0 (theta[1]) must be in (0, 1] (an axis ratio)".
#pragma once

#include <Eigen/Core>
#include <iterator>
#include <string>
#include <vector>

namespace sbi::simulators {

enum class ParameterRule {
  kAny,            // any finite value
  kNonNegative,    // >= 0
  kPositive,       // > 0
  kFraction,       // in [0, 1]
  kAxisRatio,      // in (0, 1]
  kLensAxisRatio,  // in [1e-6, 1]: the SIE deflection diverges as q -> 0
  kSersicIndex,    // in (0, 20]
  kPitch,          // in (0, π/2), radians
};

// The rule's message if v breaks it ("must be finite" for NaN and Inf), else null.
const char* violated_rule(ParameterRule rule, double v);

// Throws core::Error "<function>: <name> = <value> (theta[<index>]) <rule's message>" if
// `value` breaks `rule`.
void check_parameter_rule(const char* function, const char* name, int index, ParameterRule rule,
                          double value);
// Throws core::Error naming `function` for a theta of another size than `table`.
void check_parameter_count(const char* function, Eigen::Index size, Eigen::Index expected);

// For a simulator's table of θ entries (anything with .name and .rule per entry, theta[i]
// described by table[i]): checks every entry of theta against its rule, in order.
template <class Table>
void check_parameter_rules(const Table& table, const Eigen::Ref<const Eigen::VectorXd>& theta,
                           const char* function) {
  check_parameter_count(function, theta.size(), static_cast<Eigen::Index>(std::size(table)));
  int i = 0;
  for (const auto& entry : table) {
    check_parameter_rule(function, entry.name, i, entry.rule, theta[i]);
    ++i;
  }
}

// The names of a table's entries, in order.
template <class Table>
std::vector<std::string> parameter_names_of(const Table& table) {
  std::vector<std::string> names;
  for (const auto& entry : table) names.push_back(entry.name);
  return names;
}

// "pixel_<row>_<column>" for every pixel of an npix x npix image, row-major: the data
// names of image simulators.
std::vector<std::string> pixel_names(int npix);

}  // namespace sbi::simulators
