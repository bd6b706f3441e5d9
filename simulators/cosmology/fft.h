// Real-to-complex FFTs of periodic n^d grids (d = 2 or 3) with FFTW, plans shared per shape.
//
// Layout: a real grid is n^d values in row-major order (the last index runs fastest); its
// transform holds the n^(d-1) (n/2 + 1) non-negative-frequency half of the modes in the same
// order (FFTW's r2c layout), index i along an axis meaning frequency i for i <= n/2 and i - n
// above. Both transforms are unnormalised (FFTW's sign convention):
//
//   forward:  f̃_k = Σ_x f_x e^(-i k·x),        inverse:  f_x = Σ_k f̃_k e^(+i k·x)
//
// so inverse(forward(f)) = N f, N = n^d.
//
// Thread safety: FFTW's planner is not thread-safe, so plans are created under one
// process-wide mutex and cached per (d, n, planning) for the life of the process (a handful
// of shapes in practice); executing a plan on new arrays (fftw_execute_dft_r2c / _c2r) is
// thread-safe, so one RealFft serves all threads, each with its own FftWorkspace. Workspace
// buffers are allocated by fftw_malloc, so their alignment always matches the plan's.
#pragma once

#include <complex>
#include <cstddef>

namespace sbi::simulators::cosmology {

// How plans are made: kEstimate (instant, the default) or kMeasure (FFTW times candidate
// algorithms once per shape, ~0.1-1 s for 256², for a faster transform afterwards).
enum class FftPlanning { kEstimate, kMeasure };

// Scratch arrays for one thread: n^d reals and n^(d-1) (n/2 + 1) complex modes, SIMD-aligned.
// Move-only; resize() reallocates only when the shape changes.
class FftWorkspace {
 public:
  FftWorkspace() = default;
  FftWorkspace(int dim, int n) { resize(dim, n); }
  ~FftWorkspace();
  FftWorkspace(FftWorkspace&& other) noexcept;
  FftWorkspace& operator=(FftWorkspace&& other) noexcept;
  FftWorkspace(const FftWorkspace&) = delete;
  FftWorkspace& operator=(const FftWorkspace&) = delete;

  void resize(int dim, int n);  // throws core::Error when it cannot fit in memory
  double* real() { return real_; }
  std::complex<double>* modes() { return modes_; }
  std::size_t real_size() const { return real_size_; }
  std::size_t modes_size() const { return modes_size_; }
  int dim() const { return dim_; }
  int n() const { return n_; }

 private:
  void release();
  int dim_ = 0, n_ = 0;
  std::size_t real_size_ = 0, modes_size_ = 0;
  double* real_ = nullptr;
  std::complex<double>* modes_ = nullptr;
};

class RealFft {
 public:
  // d in {2, 3}, n >= 2 even. Throws core::Error otherwise.
  RealFft(int dim, int n, FftPlanning planning = FftPlanning::kEstimate);

  int dim() const { return dim_; }
  int n() const { return n_; }
  std::size_t real_size() const;   // n^d
  std::size_t modes_size() const;  // n^(d-1) (n/2 + 1)

  // work->real() -> work->modes(); the real array is preserved. `work` is resized if needed.
  void forward(FftWorkspace* work) const;
  // work->modes() -> work->real(), unnormalised; the modes are destroyed.
  void inverse(FftWorkspace* work) const;

 private:
  int dim_, n_;
  void* forward_plan_;  // fftw_plan, owned by the process-wide cache
  void* inverse_plan_;
};

}  // namespace sbi::simulators::cosmology
