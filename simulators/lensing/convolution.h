// Convolution of npix x npix images (row-major, as the detector image) with a PSF, "same"
// size with zeros outside the image (the light a PSF would scatter in from beyond the field
// of view is not simulated):
//   out(r, c) = Σ_{dy, dx} K(h + dy, h + dx) in(r - dy, c - dx),   |dy|, |dx| <= h,
// K the kernel of psf.h (side k = 2h + 1). Three methods compute it:
//   kSeparable  two 1-D passes, 2k multiply-adds per pixel; for kernels p pᵀ (Gaussian PSFs)
//   kDirect     k² multiply-adds per pixel
//   kFft        zero padding to n >= npix + h (so the circular convolution does not wrap into
//               the image), the kernel's transform computed once; ~n² log n per image
// kAuto picks kSeparable when the PSF has a separable profile, else kDirect or kFft by a cost
// model whose crossover was measured (choose_method in convolution.cc): for 48 x 48 images,
// direct up to 7 x 7 kernels; a 21 x 21 kernel costs ~25 us by FFT, ~160 us directly, ~9 us
// separably.
#pragma once

#include <Eigen/Core>
#include <Eigen/SparseCore>
#include <complex>
#include <optional>
#include <vector>

#include "simulators/cosmology/fft.h"
#include "simulators/lensing/psf.h"

namespace sbi::simulators::lensing {

enum class ConvolutionMethod { kAuto, kSeparable, kDirect, kFft };

class Convolver {
 public:
  // Throws core::Error for npix outside [1, 4096], or kSeparable with a PSF that has no
  // separable profile.
  Convolver(const Psf& psf, int npix, ConvolutionMethod method = ConvolutionMethod::kAuto);

  // The method in use (never kAuto).
  ConvolutionMethod method() const { return method_; }
  int npix() const { return npix_; }
  const Psf& psf() const { return psf_; }
  // The FFT side n (kFft only; 0 otherwise).
  int fft_size() const { return fft_n_; }

  // image (npix² values) <- PSF * image, in place. Thread-safe: scratch is per thread.
  void apply(double* image) const;
  // The same linear map as a sparse npix² x npix² matrix: apply(v) = matrix() v up to rounding.
  Eigen::SparseMatrix<double> matrix() const;

 private:
  void apply_separable(double* image) const;
  void apply_direct(double* image) const;
  void apply_fft(double* image) const;

  Psf psf_;
  int npix_;
  ConvolutionMethod method_;
  Eigen::MatrixXd flipped_;  // K(k-1-i, k-1-j): out = Σ flipped · window
  int fft_n_ = 0;
  std::optional<cosmology::RealFft> fft_;        // plans from cosmology/fft.h's shared cache
  std::vector<std::complex<double>> psf_modes_;  // transform of the wrapped kernel / n²
};

}  // namespace sbi::simulators::lensing
