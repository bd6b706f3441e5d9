/* A plugin without sbi_plugin_simulate: loading it must fail naming the symbol. */
#include "sbi_plugin.h"

int32_t sbi_plugin_abi_version(void) { return SBI_PLUGIN_ABI_VERSION; }
int32_t sbi_plugin_theta_dim(void) { return 2; }
int32_t sbi_plugin_x_dim(void) { return 2; }
