/* A plugin that fails on part of the prior (tests/apps/plugin_cli_test.cc): it returns 1
 * where theta[0] > 0.5 and writes NaN where theta[1] > 0.6; otherwise x = theta. */
#include <math.h>

#include "sbi_plugin.h"

int32_t sbi_plugin_abi_version(void) { return SBI_PLUGIN_ABI_VERSION; }
int32_t sbi_plugin_theta_dim(void) { return 2; }
int32_t sbi_plugin_x_dim(void) { return 2; }

int32_t sbi_plugin_simulate(const double* theta, uint64_t seed, const sbi_host* host,
                            sbi_rng* rng, double* x) {
  (void)seed;
  (void)host;
  (void)rng;
  if (theta[0] > 0.5) return 1;
  x[0] = theta[0];
  x[1] = theta[1] > 0.6 ? NAN : theta[1];
  return 0;
}
