/* The two-moons task (simulators/two_moons.cc) as a simulator plugin (include/sbi_plugin.h):
 * it draws from the toolkit's stream in the same order, so
 *   sbi simulate --plugin libtwo_moons_c.so --prior "uniform(-1,1)*2" ...
 * writes the same bits as `sbi simulate --task two_moons`, when compiled with the toolkit's
 * options (the same target CPU and fused multiply-adds: examples/CMakeLists.txt). */
#include <math.h>

#include "sbi_plugin.h"

static const double kPi = 3.14159265358979323846;
static const double kSqrtHalf = 0.70710678118654752440; /* 1 / sqrt(2) */

int32_t sbi_plugin_abi_version(void) { return SBI_PLUGIN_ABI_VERSION; }
int32_t sbi_plugin_theta_dim(void) { return 2; }
int32_t sbi_plugin_x_dim(void) { return 2; }
const char* sbi_plugin_name(void) { return "two_moons_c"; }
const char* sbi_plugin_parameter_names(void) { return "theta_0,theta_1"; }
const char* sbi_plugin_data_names(void) { return "x_0,x_1"; }

int32_t sbi_plugin_simulate(const double* theta, uint64_t seed, const sbi_host* host,
                            sbi_rng* rng, double* x) {
  (void)seed; /* the toolkit's stream is used instead */
  const double lo = -kPi / 2, hi = kPi / 2;
  const double a = lo + (hi - lo) * host->uniform(rng); /* drawn first, as in sbibm */
  const double r = 0.1 + 0.01 * host->normal(rng);
  const double s0 = -fabs(theta[0] + theta[1]) * kSqrtHalf;
  const double s1 = (theta[1] - theta[0]) * kSqrtHalf;
  x[0] = r * cos(a) + 0.25 + s0;
  x[1] = r * sin(a) + s1;
  return 0;
}
