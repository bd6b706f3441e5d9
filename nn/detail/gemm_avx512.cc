#include "nn/detail/gemm_avx512.h"

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

// Every function that touches a 512-bit register carries this attribute: only they are
// compiled for AVX-512, and nothing here is a template or inline function shared with other
// files (whose one out-of-line copy the linker could pick from this file).
#define SBI_AVX512 __attribute__((target("avx512f")))
#define SBI_AVX512_INLINE __attribute__((target("avx512f"), always_inline)) inline

// Everything compiled for AVX-512 lives in this namespace, which scripts/check_portable.sh
// allows (and only it) to hold AVX-512 instructions in the portable build.
namespace sbi::nn::detail::avx512 {
namespace {

template <class T>
struct Zmm;

template <>
struct Zmm<float> {
  using V = __m512;
  using Mask = __mmask16;
  static constexpr int kWidth = 16;
  SBI_AVX512_INLINE static V zero() { return _mm512_setzero_ps(); }
  SBI_AVX512_INLINE static V load(Mask m, const float* p) { return _mm512_maskz_loadu_ps(m, p); }
  SBI_AVX512_INLINE static void store(Mask m, float* p, V v) { _mm512_mask_storeu_ps(p, m, v); }
  SBI_AVX512_INLINE static V broadcast(const float* p) { return _mm512_set1_ps(*p); }
  SBI_AVX512_INLINE static V fmadd(V a, V b, V c) { return _mm512_fmadd_ps(a, b, c); }
  SBI_AVX512_INLINE static V add(V a, V b) { return _mm512_add_ps(a, b); }
  // max(a, b) is b where either is NaN (vmaxps returns its second operand).
  SBI_AVX512_INLINE static V max(V a, V b) { return _mm512_max_ps(a, b); }
  // v where g > 0, else 0 (a NaN gate compares false: 0, as Eigen's (g > 0).select(v, 0)).
  SBI_AVX512_INLINE static V gated(V v, V g) {
    return _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(g, zero(), _CMP_GT_OQ), v);
  }
};

template <>
struct Zmm<double> {
  using V = __m512d;
  using Mask = __mmask8;
  static constexpr int kWidth = 8;
  SBI_AVX512_INLINE static V zero() { return _mm512_setzero_pd(); }
  SBI_AVX512_INLINE static V load(Mask m, const double* p) { return _mm512_maskz_loadu_pd(m, p); }
  SBI_AVX512_INLINE static void store(Mask m, double* p, V v) { _mm512_mask_storeu_pd(p, m, v); }
  SBI_AVX512_INLINE static V broadcast(const double* p) { return _mm512_set1_pd(*p); }
  SBI_AVX512_INLINE static V fmadd(V a, V b, V c) { return _mm512_fmadd_pd(a, b, c); }
  SBI_AVX512_INLINE static V add(V a, V b) { return _mm512_add_pd(a, b); }
  SBI_AVX512_INLINE static V max(V a, V b) { return _mm512_max_pd(a, b); }
  SBI_AVX512_INLINE static V gated(V v, V g) {
    return _mm512_maskz_mov_pd(_mm512_cmp_pd_mask(g, zero(), _CMP_GT_OQ), v);
  }
};

constexpr int kMaxRegisterRows = 4;  // registers of C per column in one block
constexpr int kMaxColumns = 6;       // columns of C in one block: 24 accumulators of 32

// One block of C: R registers (R * width rows from row i, the last R-th masked by
// `last`) by C columns from column j. The sum over kk runs in order, one FMA per term.
template <class T, int R, int C>
SBI_AVX512 void block(const GemmOperands<T>& g, long i, long j, typename Zmm<T>::Mask last) {
  using Z = Zmm<T>;
  using V = typename Z::V;
  constexpr int W = Z::kWidth;
  const typename Z::Mask full = static_cast<typename Z::Mask>(~0u);
  V acc[R][C];
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r) {
    const typename Z::Mask mask = r + 1 == R ? last : full;
    const V bias = g.bias != nullptr ? Z::load(mask, g.bias + i + r * W) : Z::zero();
    // With a gate, C is added after the gating (below), not before the sum.
    const bool add_c_first = g.accumulate && g.gate == nullptr;
#pragma GCC unroll 6
    for (int c = 0; c < C; ++c)
      acc[r][c] = add_c_first ? Z::add(bias, Z::load(mask, g.c + (j + c) * g.ldc + i + r * W))
                              : bias;
  }
  // An empty sum may come with null A and B: no offset is applied to them then. (Stepping
  // the pointers, rather than indexing by kk or breaking out mid-loop, measured 5-12%
  // faster in bench_gemm.)
  const T* a = g.k > 0 ? g.a + i : nullptr;
  const T* b = g.k > 0 ? g.b + j * g.b_col_step : nullptr;
  for (long kk = 0; kk < g.k; ++kk, a += g.lda, b += g.b_row_step) {
    V av[R];
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) av[r] = Z::load(r + 1 == R ? last : full, a + r * W);
#pragma GCC unroll 6
    for (int c = 0; c < C; ++c) {
      const V bv = Z::broadcast(b + c * g.b_col_step);
#pragma GCC unroll 4
      for (int r = 0; r < R; ++r) acc[r][c] = Z::fmadd(av[r], bv, acc[r][c]);
    }
  }
  if (g.gate != nullptr) {
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r) {
      const typename Z::Mask mask = r + 1 == R ? last : full;
#pragma GCC unroll 6
      for (int c = 0; c < C; ++c) {
        acc[r][c] = Z::gated(acc[r][c], Z::load(mask, g.gate + (j + c) * g.ldgate + i + r * W));
        if (g.accumulate)
          acc[r][c] = Z::add(Z::load(mask, g.c + (j + c) * g.ldc + i + r * W), acc[r][c]);
      }
    }
  }
  if (g.relu) {
#pragma GCC unroll 4
    for (int r = 0; r < R; ++r)
#pragma GCC unroll 6
      for (int c = 0; c < C; ++c) acc[r][c] = Z::max(Z::zero(), acc[r][c]);  // NaN stays NaN
  }
#pragma GCC unroll 4
  for (int r = 0; r < R; ++r)
#pragma GCC unroll 6
    for (int c = 0; c < C; ++c)
      Z::store(r + 1 == R ? last : full, g.c + (j + c) * g.ldc + i + r * W, acc[r][c]);
}

template <class T, int R>
SBI_AVX512 void block_columns(const GemmOperands<T>& g, long i, long j, int columns,
                              typename Zmm<T>::Mask last) {
  switch (columns) {
    case 1: block<T, R, 1>(g, i, j, last); break;
    case 2: block<T, R, 2>(g, i, j, last); break;
    case 3: block<T, R, 3>(g, i, j, last); break;
    case 4: block<T, R, 4>(g, i, j, last); break;
    case 5: block<T, R, 5>(g, i, j, last); break;
    default: block<T, R, 6>(g, i, j, last); break;
  }
}

template <class T>
SBI_AVX512 void gemm(const GemmOperands<T>& g) {
  constexpr int W = Zmm<T>::kWidth;
  // Row blocks outermost: a block's rows of A (4 registers x k) stay in L1 while the
  // columns of B stream past them.
  for (long i = 0; i < g.m; i += kMaxRegisterRows * W) {
    const long rows = g.m - i < kMaxRegisterRows * W ? g.m - i : kMaxRegisterRows * W;
    const int registers = static_cast<int>((rows + W - 1) / W);
    const int in_last = static_cast<int>(rows - (registers - 1) * W);
    const auto last = static_cast<typename Zmm<T>::Mask>((1u << in_last) - 1u);
    for (long j = 0; j < g.n; j += kMaxColumns) {
      const int columns = static_cast<int>(g.n - j < kMaxColumns ? g.n - j : kMaxColumns);
      switch (registers) {
        case 1: block_columns<T, 1>(g, i, j, columns, last); break;
        case 2: block_columns<T, 2>(g, i, j, columns, last); break;
        case 3: block_columns<T, 3>(g, i, j, columns, last); break;
        default: block_columns<T, 4>(g, i, j, columns, last); break;
      }
    }
  }
}

}  // namespace

}  // namespace sbi::nn::detail::avx512

namespace sbi::nn::detail {

void gemm_avx512(const GemmOperands<float>& g) { avx512::gemm(g); }
void gemm_avx512(const GemmOperands<double>& g) { avx512::gemm(g); }

}  // namespace sbi::nn::detail

#else  // not x86-64 (or not GCC/Clang): no AVX-512, nn/gemm.cc uses Eigen throughout.

#include <cstdlib>

namespace sbi::nn::detail {

void gemm_avx512(const GemmOperands<float>&) { std::abort(); }   // never called
void gemm_avx512(const GemmOperands<double>&) { std::abort(); }  // never called

}  // namespace sbi::nn::detail

#endif
