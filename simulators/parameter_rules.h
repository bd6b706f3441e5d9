// The physical rule each entry of θ must satisfy before a simulator runs (an axis ratio in
// (0, 1], a radius > 0, ...), checked with one message format for every simulator:
// "<function>: q = 0 (theta[1]) must be in (0, 1] (an axis ratio)".
#pragma once

#include <Eigen/Core>
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

// Throws core::Error naming `function`, the parameter, its value and index and the rule,
// for the first entry of theta that breaks its rule (or a theta of another size than
// names). names[i] and rules[i] describe theta[i].
void check_parameter_rules(const std::vector<const char*>& names, const std::vector<ParameterRule>& rules,
                           const Eigen::Ref<const Eigen::VectorXd>& theta, const char* function);

// "pixel_<row>_<column>" for every pixel of an npix x npix image, row-major: the data
// names of image simulators.
std::vector<std::string> pixel_names(int npix);

}  // namespace sbi::simulators
