#include "simulators/lensing/detail/kernels_avx512.h"

#include <atomic>
#include <cstdlib>

#include "core/cpu_features.h"
#include "simulators/lensing/sersic_impl.h"
#include "simulators/lensing/sie_impl.h"

namespace sbi::simulators::lensing::detail {
namespace {

std::atomic<bool>& wide_flag() {
  static std::atomic<bool> flag(core::cpu_has_avx512());
  return flag;
}

}  // namespace

bool wide_kernels_enabled() { return wide_flag().load(std::memory_order_relaxed); }

void set_wide_kernels_enabled(bool enabled) {
  wide_flag().store(enabled && core::cpu_has_avx512());
}

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))

// target: these functions alone are compiled for AVX-512 (and prefer its 512-bit registers);
// flatten: everything they call (the kernel's operator(), std::min, the vector_math.h
// functions) is inlined into them and compiled with them. No out-of-line copy of a shared
// inline function is built for AVX-512 (the linker could otherwise pick it for the portable
// callers): those this file emits are compiled for the build's instruction set, as everywhere.
#define SBI_AVX512_FLATTEN \
  __attribute__((target("avx512f,avx512dq,prefer-vector-width=512"), flatten))

namespace avx512 {

SBI_AVX512_FLATTEN void add_deflection(const sie_detail::DeflectionKernel<double>& kernel,
                                       int n, const double* x, const double* y, double* ax,
                                       double* ay) {
  kernel(n, x, y, ax, ay);
}

SBI_AVX512_FLATTEN void brightness(const sersic_detail::BrightnessKernel<double>& kernel, int n,
                                   const double* x, const double* y, double* out) {
  kernel(n, x, y, out);
}

}  // namespace avx512

#else  // not x86-64 (or not GCC/Clang): wide_kernels_enabled() is false, these are never called.

namespace avx512 {
void add_deflection(const sie_detail::DeflectionKernel<double>&, int, const double*,
                    const double*, double*, double*) {
  std::abort();
}
void brightness(const sersic_detail::BrightnessKernel<double>&, int, const double*,
                const double*, double*) {
  std::abort();
}
}  // namespace avx512

#endif

}  // namespace sbi::simulators::lensing::detail
