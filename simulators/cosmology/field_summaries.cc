#include "simulators/cosmology/field_summaries.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace sbi::simulators::cosmology {

BinnedPowerSpectrum binned_power_spectrum(const double* map, int n, double side,
                                          const std::vector<double>& edges, FftWorkspace* work) {
  core::check(map != nullptr, "binned_power_spectrum: map is null");
  core::check(n >= 4 && n % 2 == 0,
              "binned_power_spectrum: n = " + std::to_string(n) + " must be even and >= 4");
  core::check(std::isfinite(side) && side > 0, "binned_power_spectrum: side must be finite and > 0");
  core::check(edges.size() >= 2, "binned_power_spectrum: edges needs at least 2 values");
  for (std::size_t b = 1; b < edges.size(); ++b)
    core::check(edges[b] > edges[b - 1], "binned_power_spectrum: edges must increase");
  FftWorkspace local;
  if (!work) work = &local;
  const RealFft fft(2, n);
  work->resize(2, n);
  std::copy(map, map + static_cast<std::size_t>(n) * n, work->real());
  fft.forward(work);

  const int bins = static_cast<int>(edges.size()) - 1;
  BinnedPowerSpectrum out;
  out.k_mean.assign(bins, 0.0);
  out.power.assign(bins, 0.0);
  out.modes.assign(bins, 0);
  out.independent_modes.assign(bins, 0);
  const double kf = 2 * M_PI / side;
  const double norm = side * side / (static_cast<double>(n) * n * static_cast<double>(n) * n);
  const int nh = n / 2 + 1;
  const std::complex<double>* m = work->modes();
  for (int i = 0; i < n; ++i) {
    const int fi = i <= n / 2 ? i : i - n;
    for (int j = 0; j < nh; ++j) {
      if (i == 0 && j == 0) continue;
      const double k = kf * std::sqrt(static_cast<double>(fi * fi + j * j));
      if (k < edges.front() || k >= edges.back()) continue;
      const int b = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), k) - edges.begin()) - 1;
      const bool self_half = (j == 0 || j == n / 2);
      const int mult = self_half ? 1 : 2;
      out.k_mean[b] += mult * k;
      out.power[b] += mult * norm * std::norm(m[static_cast<std::size_t>(i) * nh + j]);
      out.modes[b] += mult;
      // Independent values: each (i, j) with 0 < j < n/2 stands for the pair ±k (one value);
      // on the planes j = 0 and j = n/2, i and -i hold conjugates: count i in [0, n/2] only.
      if (!self_half || (fi >= 0)) out.independent_modes[b] += 1;
    }
  }
  for (int b = 0; b < bins; ++b) {
    if (out.modes[b] > 0) {
      out.k_mean[b] /= out.modes[b];
      out.power[b] /= out.modes[b];
    }
  }
  return out;
}

std::vector<std::size_t> find_peaks(const double* map, int n) {
  core::check(map != nullptr && n >= 3, "find_peaks: map must not be null and n >= 3");
  std::vector<std::size_t> peaks;
  for (int i = 0; i < n; ++i) {
    const int up = (i + n - 1) % n, down = (i + 1) % n;
    const double* r0 = map + static_cast<std::size_t>(up) * n;
    const double* r1 = map + static_cast<std::size_t>(i) * n;
    const double* r2 = map + static_cast<std::size_t>(down) * n;
    for (int j = 0; j < n; ++j) {
      const int l = (j + n - 1) % n, r = (j + 1) % n;
      const double v = r1[j];
      if (v > r0[l] && v > r0[j] && v > r0[r] && v > r1[l] && v > r1[r] && v > r2[l] &&
          v > r2[j] && v > r2[r])
        peaks.push_back(static_cast<std::size_t>(i) * n + j);
    }
  }
  return peaks;
}

std::vector<long> peak_counts(const double* map, int n, double noise_sigma,
                              const std::vector<double>& snr_edges) {
  core::check(std::isfinite(noise_sigma) && noise_sigma > 0,
              "peak_counts: noise_sigma = " + std::to_string(noise_sigma) + " must be finite and > 0");
  core::check(snr_edges.size() >= 2, "peak_counts: snr_edges needs at least 2 values");
  for (std::size_t b = 1; b < snr_edges.size(); ++b)
    core::check(snr_edges[b] > snr_edges[b - 1], "peak_counts: snr_edges must increase");
  std::vector<long> counts(snr_edges.size() - 1, 0);
  for (std::size_t p : find_peaks(map, n)) {
    const double snr = map[p] / noise_sigma;
    if (snr < snr_edges.front() || snr >= snr_edges.back()) continue;
    const auto b = std::upper_bound(snr_edges.begin(), snr_edges.end(), snr) - snr_edges.begin() - 1;
    ++counts[b];
  }
  return counts;
}

OnePointMoments one_point_moments(const double* data, std::size_t count) {
  core::check(data != nullptr && count >= 2, "one_point_moments: needs at least 2 values");
  double mean = 0;
  for (std::size_t i = 0; i < count; ++i) mean += data[i];
  mean /= static_cast<double>(count);
  double m2 = 0, m3 = 0, m4 = 0;
  for (std::size_t i = 0; i < count; ++i) {
    const double d = data[i] - mean, d2 = d * d;
    m2 += d2;
    m3 += d2 * d;
    m4 += d2 * d2;
  }
  const double c = static_cast<double>(count);
  m2 /= c, m3 /= c, m4 /= c;
  OnePointMoments out;
  out.mean = mean;
  out.variance = m2;
  if (m2 > 0) {
    out.skewness = m3 / (m2 * std::sqrt(m2));
    out.kurtosis = m4 / (m2 * m2) - 3;
  }
  return out;
}

}  // namespace sbi::simulators::cosmology
