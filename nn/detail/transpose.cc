#include "nn/detail/transpose.h"

#if defined(__AVX__)
#include <immintrin.h>
#endif

namespace sbi::nn::detail {
namespace {

// dst(j, i) = src(i, j) for i in [i0, i1), j in [j0, j1); column-major, leading dims ls, ld.
template <class T>
void transpose_scalar(const T* src, long ls, T* dst, long ld, long i0, long i1, long j0, long j1) {
  for (long i = i0; i < i1; ++i)
    for (long j = j0; j < j1; ++j) dst[j + i * ld] = src[i + j * ls];
}

#if defined(__AVX__)
// The 8 x 8 block at (i, j): the 8 columns src(i..i+7, j + c) become the 8 columns
// dst(j..j+7, i + r) (unpack, shuffle, then swap 128-bit lanes).
inline void transpose_block(const float* src, long ls, float* dst, long ld, long i, long j) {
  __m256 r[8], t[8];
  for (int c = 0; c < 8; ++c) r[c] = _mm256_loadu_ps(src + i + (j + c) * ls);
  for (int c = 0; c < 8; c += 2) {
    t[c] = _mm256_unpacklo_ps(r[c], r[c + 1]);
    t[c + 1] = _mm256_unpackhi_ps(r[c], r[c + 1]);
  }
  for (int c = 0; c < 8; c += 4) {
    r[c] = _mm256_shuffle_ps(t[c], t[c + 2], _MM_SHUFFLE(1, 0, 1, 0));
    r[c + 1] = _mm256_shuffle_ps(t[c], t[c + 2], _MM_SHUFFLE(3, 2, 3, 2));
    r[c + 2] = _mm256_shuffle_ps(t[c + 1], t[c + 3], _MM_SHUFFLE(1, 0, 1, 0));
    r[c + 3] = _mm256_shuffle_ps(t[c + 1], t[c + 3], _MM_SHUFFLE(3, 2, 3, 2));
  }
  for (int c = 0; c < 4; ++c) {
    _mm256_storeu_ps(dst + j + (i + c) * ld, _mm256_permute2f128_ps(r[c], r[c + 4], 0x20));
    _mm256_storeu_ps(dst + j + (i + c + 4) * ld, _mm256_permute2f128_ps(r[c], r[c + 4], 0x31));
  }
}

// The 4 x 4 block of doubles at (i, j).
inline void transpose_block(const double* src, long ls, double* dst, long ld, long i, long j) {
  __m256d r[4];
  for (int c = 0; c < 4; ++c) r[c] = _mm256_loadu_pd(src + i + (j + c) * ls);
  const __m256d t0 = _mm256_unpacklo_pd(r[0], r[1]), t1 = _mm256_unpackhi_pd(r[0], r[1]);
  const __m256d t2 = _mm256_unpacklo_pd(r[2], r[3]), t3 = _mm256_unpackhi_pd(r[2], r[3]);
  _mm256_storeu_pd(dst + j + i * ld, _mm256_permute2f128_pd(t0, t2, 0x20));
  _mm256_storeu_pd(dst + j + (i + 1) * ld, _mm256_permute2f128_pd(t1, t3, 0x20));
  _mm256_storeu_pd(dst + j + (i + 2) * ld, _mm256_permute2f128_pd(t0, t2, 0x31));
  _mm256_storeu_pd(dst + j + (i + 3) * ld, _mm256_permute2f128_pd(t1, t3, 0x31));
}
#endif

template <class T>
void transpose_any(ConstMatrixView<T> a, MatrixOf<T>* out) {
  out->resize(a.cols, a.rows);
  const long rows = a.rows, cols = a.cols, ld = cols;
  T* dst = out->data();
#if defined(__AVX__)
  constexpr long kBlock = 32 / sizeof(T);  // one register's elements
  const long rows_blocked = rows - rows % kBlock, cols_blocked = cols - cols % kBlock;
  for (long j = 0; j < cols_blocked; j += kBlock)
    for (long i = 0; i < rows_blocked; i += kBlock) transpose_block(a.data, a.ld, dst, ld, i, j);
  transpose_scalar(a.data, a.ld, dst, ld, rows_blocked, rows, 0, cols);  // the last rows
  transpose_scalar(a.data, a.ld, dst, ld, 0, rows_blocked, cols_blocked, cols);  // last columns
#else
  transpose_scalar(a.data, a.ld, dst, ld, 0, rows, 0, cols);
#endif
}

}  // namespace

void transpose(ConstMatrixView<float> a, MatrixOf<float>* out) { transpose_any(a, out); }
void transpose(ConstMatrixView<double> a, MatrixOf<double>* out) { transpose_any(a, out); }

}  // namespace sbi::nn::detail
