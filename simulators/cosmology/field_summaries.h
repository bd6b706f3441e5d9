// Summary statistics of 2-D maps (n × n, row-major, periodic, side L): the binned power
// spectrum, peak counts and one-point moments.
//
// Power spectrum: the estimator of gaussian_field.h, P̂(k) = (A / N²) |δ̃_k|² with A = L² and
// N = n², averaged over the modes with k_lo <= |k| < k_hi of each bin, k = (2π / L)(i, j),
// i, j in (-n/2, n/2], k = 0 excluded. `modes` counts every grid mode of the full plane in the
// bin (k and -k separately). A real map has δ̃_{-k} = δ̃_k*, so a bin holds about modes / 2
// independent complex modes and, for a Gaussian field, its average has variance
// ≈ P² / independent_modes (real modes have variance 2P² instead of P²).
// Units: k in 1/(unit of L) (ℓ for L in radians), P in (unit of L)².
#pragma once

#include <cstddef>
#include <vector>

#include "simulators/cosmology/fft.h"

namespace sbi::simulators::cosmology {

struct BinnedPowerSpectrum {
  std::vector<double> k_mean;  // mode-averaged |k| per bin (0 for an empty bin)
  std::vector<double> power;   // mean P̂ per bin (0 for an empty bin)
  std::vector<long> modes;     // full-plane mode count per bin
  // The number of independent |δ̃|² values in the bin: k and -k count once; the real
  // (self-conjugate) modes, i, j in {0, n/2} and k != 0 (3 of them), count once each.
  std::vector<long> independent_modes;
};

// The binned power spectrum of map[0 .. n²). `edges`: increasing bin edges (at least 2) in
// 1/(unit of side). `work`: scratch (resized as needed); null allocates one. Throws
// core::Error on bad arguments.
BinnedPowerSpectrum binned_power_spectrum(const double* map, int n, double side,
                                          const std::vector<double>& edges,
                                          FftWorkspace* work = nullptr);

// Pixels strictly greater than all 8 neighbours (periodic boundaries), as row-major indices
// in increasing order.
std::vector<std::size_t> find_peaks(const double* map, int n);

// Histogram of peak heights in units of the noise, value / noise_sigma, over the bins
// [edges[b], edges[b+1]); peaks outside all bins are not counted. noise_sigma > 0.
std::vector<long> peak_counts(const double* map, int n, double noise_sigma,
                              const std::vector<double>& snr_edges);

struct OnePointMoments {
  double mean = 0;
  double variance = 0;   // (1/N) Σ (x - mean)²  (the population variance)
  double skewness = 0;   // <(x - mean)³> / variance^(3/2)
  double kurtosis = 0;   // excess: <(x - mean)⁴> / variance² - 3 (0 for a Gaussian)
};

// Moments of data[0 .. count), count >= 2 (two passes: mean, then central moments).
OnePointMoments one_point_moments(const double* data, std::size_t count);

}  // namespace sbi::simulators::cosmology
