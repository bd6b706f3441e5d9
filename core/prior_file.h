// Priors from a TOML file: one [[parameter]] table per parameter, in θ order, with its name,
// optional unit, distribution and that distribution's numbers:
//
//   [[parameter]]
//   name = "theta_E"
//   unit = "arcsec"
//   distribution = "truncnormal"   # uniform | normal | lognormal | loguniform | truncnormal
//   mean = 1.0
//   std = 0.3
//   low = 0.2
//   high = 2.0
//
// Numbers: uniform and loguniform low, high; normal mean, std; lognormal mu, sigma (of log θ);
// truncnormal mean, std, low, high. The prior is the one the spec syntax of core/prior.h
// gives for the same marginals (Prior::to_string() of both is the same string). Errors are
// one line naming the file and line: "prior.toml:11: parameter 2 (b): unknown distribution
// 'gamma' (expected ...)".
#pragma once

#include <string>
#include <vector>

#include "core/prior.h"

namespace sbi::core {

struct PriorDescription {
  Prior prior;
  std::vector<std::string> names;  // one per parameter; empty for a spec
  std::vector<std::string> units;  // one per parameter ("" where none is given); empty for a spec
  std::string file;                // the file it was read from; "" for a spec
};

PriorDescription read_prior_file(const std::string& path);

// The argument of --prior: a prior file when `text` names an existing file or ends in
// ".toml", otherwise a spec (Prior::parse).
PriorDescription read_prior_argument(const std::string& text);

}  // namespace sbi::core
