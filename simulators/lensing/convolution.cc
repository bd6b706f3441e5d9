#include "simulators/lensing/convolution.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"
#include "core/memory_budget.h"

namespace sbi::simulators::lensing {
namespace {

// The smallest even n >= m whose prime factors are 2, 3 and 5 (fast FFTW sizes).
int fft_size_for(int m) {
  for (int n = std::max(m, 2);; ++n) {
    if (n % 2) continue;
    int r = n;
    for (int f : {2, 3, 5})
      while (r % f == 0) r /= f;
    if (r == 1) return n;
  }
}

ConvolutionMethod choose_method(const Psf& psf, int npix, ConvolutionMethod asked) {
  if (asked != ConvolutionMethod::kAuto) return asked;
  if (psf.separable_profile().size() > 0) return ConvolutionMethod::kSeparable;
  // Costs measured on AVX-512 (AMD EPYC, one thread, npix 32 / 48 / 96, k 3 to 21): direct
  // ~0.17 ns per multiply-add (npix² k²), FFT ~1.2 ns per n² log2 n (a forward and an
  // inverse real transform). Direct wins up to k = 7 at npix = 48 (19 vs 21 us), FFT from
  // k = 9 (20 vs 32 us); at k = 21, 25 vs 161 us.
  const double k = psf.size();
  const double n = fft_size_for(npix + psf.size() / 2);
  const double direct = 1.0 * npix * npix * k * k;
  const double fft = 7.0 * n * n * std::log2(n);
  return direct <= fft ? ConvolutionMethod::kDirect : ConvolutionMethod::kFft;
}

// Columns per block of filter_line: two AVX-512 vectors of sums.
constexpr int kFilterLanes = 16;

// out[c] = Σ_j p[j] in[c - j stride] for c < count, j < k, summed in ascending j. A block of
// kFilterLanes columns at a time keeps its sums in registers (summed through memory, the
// separable convolution ran 1.5x slower: so does GCC 12's code for this loop once inlined into
// apply_separable, hence noinline); in[c] must be readable up to the end of the last block,
// c < count rounded up to kFilterLanes.
__attribute__((noinline)) void filter_line(const double* p, int k, const double* in,
                                           std::ptrdiff_t stride, int count, double* out) {
  for (int c0 = 0; c0 < count; c0 += kFilterLanes) {
    double sum[kFilterLanes] = {};
    for (int j = 0; j < k; ++j) {
      const double pj = p[j];
      const double* src = in + c0 - j * stride;
#pragma omp simd
      for (int l = 0; l < kFilterLanes; ++l) sum[l] += pj * src[l];
    }
    const int m = count - c0;  // (std::copy of the first m sums also keeps them in memory)
#pragma omp simd
    for (int l = 0; l < kFilterLanes; ++l)
      if (l < m) out[c0 + l] = sum[l];
  }
}

}  // namespace

Convolver::Convolver(const Psf& psf, int npix, ConvolutionMethod method)
    : psf_(psf), npix_(npix), method_(choose_method(psf, npix, method)) {
  core::check(npix >= 1 && npix <= 4096,
              "Convolver: npix = " + std::to_string(npix) + ", must be in [1, 4096]");
  core::check(method_ != ConvolutionMethod::kSeparable || psf.separable_profile().size() > 0,
              "Convolver: the separable method needs a separable PSF (a Gaussian)");
  const int k = psf.size(), h = k / 2;
  flipped_ = psf.kernel().reverse();
  if (method_ == ConvolutionMethod::kFft) {
    fft_n_ = fft_size_for(npix + h);
    const int n = fft_n_;
    fft_.emplace(2, n);
    cosmology::FftWorkspace work(2, n);
    std::fill(work.real(), work.real() + work.real_size(), 0.0);
    // K(h + dy, h + dx) at the periodic position (dy mod n, dx mod n).
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j)
        work.real()[((i - h + n) % n) * n + (j - h + n) % n] = psf.kernel()(i, j);
    fft_->forward(&work);
    const double inv = 1.0 / (static_cast<double>(n) * n);  // the inverse is unnormalised
    psf_modes_.assign(work.modes(), work.modes() + work.modes_size());
    for (auto& m : psf_modes_) m *= inv;
  }
}

void Convolver::apply(double* image) const {
  switch (method_) {
    case ConvolutionMethod::kSeparable:
      apply_separable(image);
      return;
    case ConvolutionMethod::kDirect:
      apply_direct(image);
      return;
    default:
      apply_fft(image);
      return;
  }
}

void Convolver::apply_separable(double* image) const {
  const int n = npix_, k = psf_.size(), h = k / 2, w = n + 2 * h;
  const double* p = psf_.separable_profile().data();  // symmetric or not, flipped below
  thread_local std::vector<double> pad, tmp;
  // tmp: rows -h..n+h-1 of the row-filtered image. Both with kFilterLanes zeros of slack at
  // the end: filter_line reads whole blocks of columns.
  pad.assign(static_cast<std::size_t>(w + kFilterLanes), 0.0);
  tmp.assign(static_cast<std::size_t>(w) * n + kFilterLanes, 0.0);
  // Rows: tmp(r + h, c) = Σ_j p(j) in(r, c + h - j).
  for (int r = 0; r < n; ++r) {
    std::copy(image + r * n, image + (r + 1) * n, pad.begin() + h);
    filter_line(p, k, pad.data() + 2 * h, 1, n, tmp.data() + static_cast<std::size_t>(r + h) * n);
  }
  // Columns: out(r, c) = Σ_i p(i) tmp(r + 2h - i, c) (tmp's first and last h rows are zero).
  for (int r = 0; r < n; ++r)
    filter_line(p, k, tmp.data() + static_cast<std::size_t>(r + 2 * h) * n, n, n,
                image + static_cast<std::size_t>(r) * n);
}

void Convolver::apply_direct(double* image) const {
  const int n = npix_, k = psf_.size(), h = k / 2, w = n + 2 * h;
  thread_local std::vector<double> pad;
  pad.assign(static_cast<std::size_t>(w) * w, 0.0);  // the image with h zeros around it
  for (int r = 0; r < n; ++r)
    std::copy(image + r * n, image + (r + 1) * n, pad.begin() + (r + h) * w + h);
  // out(r, c) = Σ_{i,j} K(k-1-i, k-1-j) pad(r + i, c + j)
  for (int r = 0; r < n; ++r) {
    double* out = image + static_cast<std::size_t>(r) * n;
    std::fill(out, out + n, 0.0);
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j) {
        const double kij = flipped_(i, j);
        const double* in = pad.data() + static_cast<std::size_t>(r + i) * w + j;
#pragma omp simd
        for (int c = 0; c < n; ++c) out[c] += kij * in[c];
      }
  }
}

void Convolver::apply_fft(double* image) const {
  const int n = fft_n_, m = npix_;
  thread_local cosmology::FftWorkspace work;
  work.resize(2, n);
  double* grid = work.real();
  std::fill(grid, grid + work.real_size(), 0.0);
  for (int r = 0; r < m; ++r) std::copy(image + r * m, image + (r + 1) * m, grid + r * n);
  fft_->forward(&work);
  std::complex<double>* modes = work.modes();
  for (std::size_t e = 0; e < psf_modes_.size(); ++e) modes[e] *= psf_modes_[e];
  fft_->inverse(&work);
  for (int r = 0; r < m; ++r) std::copy(grid + r * n, grid + r * n + m, image + r * m);
}

Eigen::SparseMatrix<double> Convolver::matrix() const {
  const int n = npix_, k = psf_.size(), h = k / 2;
  // A triplet (16 bytes) and a stored entry (12) per kernel pixel per image pixel at most.
  core::check_memory(28.0 * n * n * k * k, "Convolver::matrix: the sparse PSF matrix of " +
                                               std::to_string(n) + " x " + std::to_string(n) +
                                               " pixels and a " + std::to_string(k) + " x " +
                                               std::to_string(k) + " kernel");
  std::vector<Eigen::Triplet<double>> entries;
  entries.reserve(static_cast<std::size_t>(n) * n * k * k);
  for (int r = 0; r < n; ++r)
    for (int c = 0; c < n; ++c)
      for (int dy = -h; dy <= h; ++dy)
        for (int dx = -h; dx <= h; ++dx) {
          const int rs = r - dy, cs = c - dx;
          const double v = psf_.kernel()(h + dy, h + dx);
          if (rs < 0 || rs >= n || cs < 0 || cs >= n || v == 0) continue;
          entries.emplace_back(r * n + c, rs * n + cs, v);
        }
  Eigen::SparseMatrix<double> m(n * n, n * n);
  m.setFromTriplets(entries.begin(), entries.end());
  return m;
}

}  // namespace sbi::simulators::lensing
