// What the CPU the program runs on can do beyond the build's instruction set (x86-64-v3 by
// default): the kernels compiled for AVX-512 by function attributes (nn/detail/gemm_avx512.h,
// simulators/lensing/detail/kernels_avx512.h) run only where this says so.
#pragma once

namespace sbi::core {

// Whether this CPU and its operating system run AVX-512 F and DQ (every AVX-512 CPU but the
// Xeon Phi). Always false outside x86-64 or without GCC/Clang.
bool cpu_has_avx512();

}  // namespace sbi::core
