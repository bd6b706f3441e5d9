// A register-blocked matrix product for AVX-512 (16 floats or 8 doubles per register),
// compiled for that instruction set alone (function target attributes) so that the rest of
// the program stays portable; nn/gemm.h calls it only when the CPU has AVX-512.
//
// Why: the networks' products are small (64 x 64 weights times blocks of 64-256 columns),
// where a general blocked GEMM spends much of its time packing and the portable build
// (x86-64-v3) uses half the vector width the CPU has. The kernel keeps a 4-register x 6-column
// block of C in 24 registers, streams A's columns (no packing; a 64 x 64 block of A stays in
// L1) and broadcasts B's entries; the last register of a column is masked, so any m works.
// Measured on a Xeon with AVX-512 (64 x 64 times 64 x 192, float): 200 GFLOP/s against 77-90
// for Eigen's AVX2 GEMM (bench/bench_gemm).
#pragma once

namespace sbi::nn::detail {

// C (m x n, column-major, ldc) = [max(0,] [C +] A B [+ bias] [)], or [C +] gate(A B), with
//   A: m x k, column-major, lda;  B(kk, j) = b[kk * b_row_step + j * b_col_step]
// (B may be a transposed view); bias: m entries added to every column, or null.
template <class T>
struct GemmOperands {
  long m = 0, n = 0, k = 0;
  const T* a = nullptr;
  long lda = 0;
  const T* b = nullptr;
  long b_row_step = 0, b_col_step = 0;
  T* c = nullptr;
  long ldc = 0;
  const T* bias = nullptr;
  bool accumulate = false;
  bool relu = false;  // C = max(0, ...) as the result is stored
  // Non-null: the product is kept only where gate > 0 (a ReLU's backward pass: the
  // gradient flows where the layer's output was positive), before C is added; ldgate its
  // column stride. Not combined with bias or relu.
  const T* gate = nullptr;
  long ldgate = 0;
};

// The product above; call only where core::cpu_has_avx512() (core/cpu_features.h).
void gemm_avx512(const GemmOperands<float>& g);
void gemm_avx512(const GemmOperands<double>& g);

}  // namespace sbi::nn::detail
