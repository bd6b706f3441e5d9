// The ray-tracing kernels that take most of a lensing image's time, the SIE deflection and the
// Sérsic brightness (sie_impl.h, sersic_impl.h), compiled a second time for AVX-512 (8 doubles
// per register against AVX2's 4) in kernels_avx512.cc, by function attributes, so that the
// rest of the program stays portable (x86-64-v3). SieT<double> and SersicT<double> call them
// where wide_kernels_enabled(). Each is the same source (the kernel structs of the _impl.h
// files) inlined into a function built for AVX-512, element by element the same operations:
// tests/simulators/lensing_wide_kernels_test.cc checks that both builds give the same bits.
#pragma once

namespace sbi::simulators::lensing {
namespace sie_detail {
template <class T>
struct DeflectionKernel;
}
namespace sersic_detail {
template <class T>
struct BrightnessKernel;
}

namespace detail {

// Whether SieT<double> and SersicT<double> use the AVX-512 builds: the CPU has AVX-512
// (core/cpu_features.h) and set_wide_kernels_enabled(false) was not called.
bool wide_kernels_enabled();
// For tests and benchmarks: false selects the portable kernels; true selects the AVX-512
// ones only where the CPU has them.
void set_wide_kernels_enabled(bool enabled);

// Everything compiled for AVX-512 lives in this namespace, which scripts/check_portable.sh
// allows (with nn's) to hold AVX-512 instructions in the portable build. Call only where
// wide_kernels_enabled().
namespace avx512 {
void add_deflection(const sie_detail::DeflectionKernel<double>& kernel, int n, const double* x,
                    const double* y, double* ax, double* ay);
void brightness(const sersic_detail::BrightnessKernel<double>& kernel, int n, const double* x,
                const double* y, double* out);
}  // namespace avx512

}  // namespace detail
}  // namespace sbi::simulators::lensing
