// Out-of-place transposition for the kernel's transposed-A products (nn/gemm.cc): the
// kernel reads A by columns, so Aᵀ is materialised first. With AVX (every x86-64-v3
// build) by 8 x 8 (float) and 4 x 4 (double) register blocks, the edges and other CPUs
// element by element.
#pragma once

#include "nn/gemm.h"

namespace sbi::nn::detail {

// *out = aᵀ (resized to a.cols x a.rows).
void transpose(ConstMatrixView<float> a, MatrixOf<float>* out);
void transpose(ConstMatrixView<double> a, MatrixOf<double>* out);

}  // namespace sbi::nn::detail
