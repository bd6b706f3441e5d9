#include "simulators/lensing/poisson.h"

#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <cstdio>

#include "core/error.h"

namespace sbi::simulators::lensing {
namespace {

constexpr double kMaxMean = 1e15;  // counts stay exact integers in a double and in a long

}  // namespace

long poisson(double mean, core::Rng* rng) {
  if (!(mean >= 0 && mean <= kMaxMean)) {
    char buf[96];
    std::snprintf(buf, sizeof buf, "poisson: mean = %g, must be in [0, 1e15]", mean);
    throw core::Error(buf);
  }
  if (mean < 10) {
    const double limit = std::exp(-mean);
    long k = 0;
    for (double p = rng->uniform(); p > limit; p *= rng->uniform()) ++k;
    return k;
  }
  // PTRS, with Hörmann's constants (as in NumPy's random_poisson_ptrs).
  const double log_mean = std::log(mean), s = std::sqrt(mean);
  const double b = 0.931 + 2.53 * s, a = -0.059 + 0.02483 * b;
  const double inv_alpha = 1.1239 + 1.1328 / (b - 3.4), v_r = 0.9277 - 3.6224 / (b - 2);
  while (true) {
    const double u = rng->uniform() - 0.5, v = rng->uniform();
    const double us = 0.5 - std::fabs(u);
    const double k = std::floor((2 * a / us + b) * u + mean + 0.43);
    if (us >= 0.07 && v <= v_r) return static_cast<long>(k);
    if (k < 0 || (us < 0.013 && v > us)) continue;
    // Boost's lgamma: std::lgamma writes the global signgam, a data race between threads.
    if (std::log(v) + std::log(inv_alpha) - std::log(a / (us * us) + b) <=
        -mean + k * log_mean - boost::math::lgamma(k + 1))
      return static_cast<long>(k);
  }
}

}  // namespace sbi::simulators::lensing
