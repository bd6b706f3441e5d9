// Poisson random numbers from core::Rng, for photon noise: k ~ Poisson(mean).
#pragma once

#include "core/rng.h"

namespace sbi::simulators::lensing {

// One draw for a mean in [0, 1e15] (0 gives 0; throws core::Error outside, NaN included),
// from `rng` (borrowed) only. Below a mean of 10
// by multiplying uniforms (Knuth, TAOCP vol. 2, §3.4.1; mean + 1 uniforms on average), above by
// Hörmann's transformed rejection with squeeze, PTRS (Insurance: Mathematics and Economics
// 12, 39, 1993; about 1.1 pairs of uniforms per draw for any mean).
long poisson(double mean, core::Rng* rng);

}  // namespace sbi::simulators::lensing
