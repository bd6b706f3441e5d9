#include "simulators/parameter_rules.h"

#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace sbi::simulators {

const char* violated_rule(ParameterRule rule, double v) {
  if (!std::isfinite(v)) return "must be finite";
  switch (rule) {
    case ParameterRule::kAny: return nullptr;
    case ParameterRule::kNonNegative: return v >= 0 ? nullptr : "must be >= 0";
    case ParameterRule::kPositive: return v > 0 ? nullptr : "must be > 0";
    case ParameterRule::kFraction: return v >= 0 && v <= 1 ? nullptr : "must be in [0, 1]";
    case ParameterRule::kAxisRatio:
      return v > 0 && v <= 1 ? nullptr : "must be in (0, 1] (an axis ratio)";
    case ParameterRule::kLensAxisRatio:
      return v >= 1e-6 && v <= 1 ? nullptr
                                 : "must be in [1e-6, 1] (an axis ratio; the SIE deflection "
                                   "diverges as q -> 0)";
    case ParameterRule::kSersicIndex:
      return v > 0 && v <= 20 ? nullptr : "must be in (0, 20] (a Sersic index)";
    case ParameterRule::kPitch:
      return v > 0 && v < M_PI / 2 ? nullptr : "must be in (0, pi/2) (a pitch angle in radians)";
  }
  return nullptr;
}

void check_parameter_rule(const char* function, const char* name, int index, ParameterRule rule,
                          double value) {
  const char* broken = violated_rule(rule, value);
  if (broken == nullptr) return;
  char text[32];
  std::snprintf(text, sizeof text, "%g", value);
  throw core::Error(std::string(function) + ": " + name + " = " + text + " (theta[" +
                    std::to_string(index) + "]) " + broken);
}

void check_parameter_count(const char* function, Eigen::Index size, Eigen::Index expected) {
  core::check(size == expected, std::string(function) + ": theta has " + std::to_string(size) +
                                    " entries, expected " + std::to_string(expected));
}

std::vector<std::string> pixel_names(int npix) {
  std::vector<std::string> names;
  names.reserve(static_cast<size_t>(npix) * npix);
  for (int r = 0; r < npix; ++r)
    for (int c = 0; c < npix; ++c) names.push_back("pixel_" + std::to_string(r) + "_" + std::to_string(c));
  return names;
}

}  // namespace sbi::simulators
