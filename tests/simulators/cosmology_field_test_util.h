// Test helper for the cosmological field tests: measures the power of a grid field per entry
// of the half-complex layout, independently of field_summaries, and bins it with the exact
// expectation and variance of the bin average for a Gaussian field.
#pragma once

#include <cmath>
#include <vector>

#include "simulators/cosmology/fft.h"
#include "simulators/cosmology/gaussian_field.h"

namespace sbi::simulators::cosmology::field_testing {

// P̂ = (V / N²) |δ̃|² per half-complex entry (gaussian_field.h's estimator).
inline std::vector<double> measured_power(const Grid& grid, const double* field, FftWorkspace* work) {
  const RealFft fft(grid.dim, grid.n);
  work->resize(grid.dim, grid.n);
  std::copy(field, field + grid.cells(), work->real());
  fft.forward(work);
  const double n = static_cast<double>(grid.cells());
  const double norm = grid.volume() / (n * n);
  std::vector<double> out(work->modes_size());
  for (std::size_t e = 0; e < out.size(); ++e) out[e] = norm * std::norm(work->modes()[e]);
  return out;
}

// Bins of |k| / k_f in [edges[b], edges[b+1]) over the half-complex entries, with full-plane
// weights (mode_multiplicity). For a Gaussian field the weighted sum Σ_e m_e P̂_e has variance
// Σ_e (m_e == 2 ? 4 : 2) P_e²: an entry of multiplicity 2 is one independent complex mode
// (|δ̃|² exponential, variance P²) counted twice; on the self-conjugate planes an entry and its
// conjugate partner are both listed (2 × P² between them, counted once each: 2 P² per entry);
// a real mode (all indices 0 or n/2) has P̂ = P χ²_1, variance 2 P², counted once.
struct BinnedExpectation {
  std::vector<double> mean, variance;  // of the bin average, one realisation
  std::vector<double> weight;          // Σ m_e (modes in the bin)
};

inline std::vector<int> bin_of_entries(const Grid& grid, const std::vector<double>& edges) {
  const std::vector<int> m2 = mode_index_squared(grid);
  std::vector<int> bin(m2.size(), -1);
  for (std::size_t e = 1; e < m2.size(); ++e) {
    const double k = std::sqrt(static_cast<double>(m2[e]));
    for (std::size_t b = 0; b + 1 < edges.size(); ++b)
      if (k >= edges[b] && k < edges[b + 1]) bin[e] = static_cast<int>(b);
  }
  return bin;
}

inline BinnedExpectation expected_bins(const Grid& grid, const std::vector<double>& power,
                                       const std::vector<int>& bin, int bins) {
  BinnedExpectation out{std::vector<double>(bins, 0.0), std::vector<double>(bins, 0.0),
                        std::vector<double>(bins, 0.0)};
  for (std::size_t e = 0; e < power.size(); ++e) {
    if (bin[e] < 0) continue;
    const int m = mode_multiplicity(grid, e);
    out.weight[bin[e]] += m;
    out.mean[bin[e]] += m * power[e];
    out.variance[bin[e]] += (m == 2 ? 4 : 2) * power[e] * power[e];
  }
  for (int b = 0; b < bins; ++b) {
    out.mean[b] /= out.weight[b];
    out.variance[b] /= out.weight[b] * out.weight[b];
  }
  return out;
}

inline std::vector<double> binned(const Grid& grid, const std::vector<double>& p_hat,
                                  const std::vector<int>& bin, const BinnedExpectation& ex) {
  std::vector<double> out(ex.mean.size(), 0.0);
  for (std::size_t e = 0; e < p_hat.size(); ++e)
    if (bin[e] >= 0) out[bin[e]] += mode_multiplicity(grid, e) * p_hat[e];
  for (std::size_t b = 0; b < out.size(); ++b) out[b] /= ex.weight[b];
  return out;
}

}  // namespace sbi::simulators::cosmology::field_testing
