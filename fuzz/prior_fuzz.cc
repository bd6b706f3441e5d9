// Fuzzes core::Prior::parse (`--prior SPEC` and the prior attribute of simulation and model
// files): any string is a prior or a core::Error, and a parsed prior survives the round trip
// parse(to_string()) exactly and evaluates its density at its own draws.
#include <cstddef>
#include <cstdint>
#include <string>

#include "core/error.h"
#include "core/prior.h"
#include "core/rng.h"
#include "fuzz/fuzz_support.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using sbi::fuzz::require;
  const std::string spec(reinterpret_cast<const char*>(data), size);
  try {
    const sbi::core::Prior prior = sbi::core::Prior::parse(spec);
    require(prior.dim() >= 1, "a prior has marginals");
    const std::string text = prior.to_string();
    const sbi::core::Prior again = sbi::core::Prior::parse(text);
    require(again.to_string() == text, "parse(to_string()) reproduces the prior");
    if (prior.dim() <= 64) {  // draws cost time per marginal; the spec can repeat one 10^9 times
      sbi::core::Rng rng(1, 0);
      const Eigen::MatrixXd draws = prior.sample(2, &rng);
      for (Eigen::Index j = 0; j < draws.cols(); ++j) {
        require(prior.in_support(draws.col(j)), "a draw lies in the support");
        require(prior.log_prob(draws.col(j)) > -std::numeric_limits<double>::infinity(),
                "a draw has finite log density");
      }
    }
  } catch (const sbi::core::Error&) {
  }
  return 0;
}
