/* A plugin built for another ABI version: loading it must fail with a clear error. */
#include "sbi_plugin.h"

int32_t sbi_plugin_abi_version(void) { return SBI_PLUGIN_ABI_VERSION + 1; }
int32_t sbi_plugin_theta_dim(void) { return 2; }
int32_t sbi_plugin_x_dim(void) { return 2; }
int32_t sbi_plugin_simulate(const double* theta, uint64_t seed, const sbi_host* host,
                            sbi_rng* rng, double* x) {
  (void)theta;
  (void)seed;
  (void)host;
  (void)rng;
  (void)x;
  return 0;
}
