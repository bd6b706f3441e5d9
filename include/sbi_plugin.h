/* sbi_plugin.h: the C interface of a simulator plugin for `sbi simulate --plugin LIB.so`.
 *
 * A plugin is a shared library exporting these C symbols (Fortran: bind(c, name=...)):
 *
 *   required
 *     int32_t sbi_plugin_abi_version(void);   return SBI_PLUGIN_ABI_VERSION
 *     int32_t sbi_plugin_theta_dim(void);     parameters per simulation, >= 1
 *     int32_t sbi_plugin_x_dim(void);         numbers per simulated x, >= 1
 *     int32_t sbi_plugin_simulate(const double* theta, uint64_t seed, const sbi_host* host,
 *                                 sbi_rng* rng, double* x);
 *   optional
 *     const char* sbi_plugin_name(void);             e.g. "my_model" (default: the file name)
 *     const char* sbi_plugin_parameter_names(void);  comma-separated, theta_dim names
 *     const char* sbi_plugin_data_names(void);       comma-separated, x_dim names
 *     void sbi_plugin_image_shape(int32_t* channels, int32_t* height, int32_t* width);
 *                                   x is an image, channels * height * width == x_dim, stored
 *                                   channel by channel, row by row (C order)
 *
 * sbi_plugin_simulate writes one simulation x (x_dim doubles) for theta (theta_dim doubles)
 * and returns 0; any other value marks the simulation as failed (so does a NaN or Inf in x).
 * It is called from several threads at once (OpenMP), so it must not modify global state.
 * Randomness, either of:
 *   - host->uniform(rng), host->normal(rng), host->next_u64(rng): the toolkit's random stream
 *     of this simulation (the stream of row i of `--seed S`, after the prior's draws of theta),
 *     exactly what the built-in simulators draw from; a plugin that draws the same numbers in
 *     the same order as a built-in task reproduces it bit for bit, for any thread count;
 *   - seed: a 64-bit seed of this simulation alone (derived from S and the row), for a
 *     plugin's own generator.
 * The strings returned by the optional functions must stay valid while the library is
 * loaded (string literals or static storage).
 *
 * Version history: 1, the first.
 */
#ifndef SBI_PLUGIN_H_
#define SBI_PLUGIN_H_

#include <stdint.h>

#define SBI_PLUGIN_ABI_VERSION 1

#ifdef __cplusplus
extern "C" {
#endif

/* The toolkit's random stream of one simulation; only the host's functions touch it. */
typedef struct sbi_rng sbi_rng;

/* The functions the host lends a plugin, passed to every sbi_plugin_simulate call. */
typedef struct sbi_host {
  int32_t abi_version;                  /* SBI_PLUGIN_ABI_VERSION of the host */
  double (*uniform)(sbi_rng* rng);      /* uniform on (0, 1), 53 random bits */
  double (*normal)(sbi_rng* rng);       /* standard normal */
  uint64_t (*next_u64)(sbi_rng* rng);   /* 64 random bits */
} sbi_host;

int32_t sbi_plugin_abi_version(void);
int32_t sbi_plugin_theta_dim(void);
int32_t sbi_plugin_x_dim(void);
int32_t sbi_plugin_simulate(const double* theta, uint64_t seed, const sbi_host* host,
                            sbi_rng* rng, double* x);
const char* sbi_plugin_name(void);
const char* sbi_plugin_parameter_names(void);
const char* sbi_plugin_data_names(void);
void sbi_plugin_image_shape(int32_t* channels, int32_t* height, int32_t* width);

#ifdef __cplusplus
}
#endif

#endif /* SBI_PLUGIN_H_ */
