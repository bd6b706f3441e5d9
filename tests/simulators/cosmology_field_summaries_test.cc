// Map summaries against closed forms: the binned power spectrum of a plane wave (mode counts,
// normalisation, Parseval), peaks of a map with planted peaks (periodic boundaries, strictness),
// and the one-point moments of a Bernoulli sample.
#include "simulators/cosmology/field_summaries.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

TEST(CosmologyFieldSummaries, PlaneWavePowerAndModeCounts) {
  // δ = A cos(k0 · x), k0 = k_f (3, 4), |k0| = 5 k_f. Its transform is N A / 2 at ±k0, so
  // P̂(±k0) = (L² / N²) (N A / 2)² = L² A² / 4 and every other mode is 0. The ring
  // |k| = 5 k_f holds 12 grid modes ((±3, ±4), (±4, ±3), (±5, 0), (0, ±5)), so the bin
  // [4.99, 5.01) k_f averages 2 × L² A² / 4 over 12 modes.
  const int n = 32;
  const double side = 7.0, amplitude = 0.3, kf = 2 * M_PI / side;
  std::vector<double> map(n * n);
  for (int i = 0; i < n; ++i)
    for (int j = 0; j < n; ++j) map[i * n + j] = amplitude * std::cos(2 * M_PI * (3.0 * i + 4.0 * j) / n);
  const std::vector<double> edges = {0.5 * kf, 4.99 * kf, 5.01 * kf, 23 * kf};
  const BinnedPowerSpectrum p = binned_power_spectrum(map.data(), n, side, edges);
  EXPECT_EQ(p.modes[1], 12);
  EXPECT_EQ(p.independent_modes[1], 6);
  EXPECT_NEAR(p.k_mean[1], 5 * kf, 1e-12);
  const double expected = 2 * side * side * amplitude * amplitude / 4 / 12;
  EXPECT_NEAR(p.power[1], expected, 1e-12 * expected);
  EXPECT_NEAR(p.power[0], 0.0, 1e-20);
  EXPECT_NEAR(p.power[2], 0.0, 1e-20);
  // Parseval: the last edge (23 k_f > √2 × 16 k_f) covers every mode k != 0, so
  // Σ_b power_b modes_b / L² equals the pixel variance A² / 2 (the map has zero mean).
  long total = 0;
  double sum = 0;
  for (std::size_t b = 0; b < p.power.size(); ++b) sum += p.power[b] * p.modes[b], total += p.modes[b];
  EXPECT_EQ(total, n * n - 1);
  EXPECT_NEAR(sum / (side * side), amplitude * amplitude / 2, 1e-14);
}

TEST(CosmologyFieldSummaries, IndependentModeCountsOnSelfConjugatePlanes) {
  // Every k != 0 in a single bin: N - 1 grid modes; the independent ones are (N - 4) / 2 pairs
  // plus the 3 real modes (0, n/2), (n/2, 0), (n/2, n/2).
  const int n = 16;
  const std::vector<double> map(n * n, 1.0);
  const auto p = binned_power_spectrum(map.data(), n, 1.0, {0.1, 1e9});
  EXPECT_EQ(p.modes[0], n * n - 1);
  EXPECT_EQ(p.independent_modes[0], (n * n - 4) / 2 + 3);
}

TEST(CosmologyFieldSummaries, FindsPlantedPeaks) {
  // A smooth bump-free background (a tilted plane has its maximum on an edge, so make it
  // periodic: a constant) plus planted single-pixel peaks, one on a corner to test the
  // periodic wrap, one next to an equal pixel (a plateau: not a peak, strict inequality).
  const int n = 24;
  std::vector<double> map(n * n, 0.0);
  struct Planted {
    int i, j;
    double height;
  };
  const Planted planted[] = {{0, 0, 5.0}, {5, 7, 2.5}, {12, 23, 3.5}, {20, 10, 1.2}};
  for (const Planted& p : planted) map[p.i * n + p.j] = p.height;
  map[16 * n + 4] = 4.0;  // plateau of two equal pixels
  map[16 * n + 5] = 4.0;
  // A neighbour just below a peak on the far side of the wrap: (23, 23) touches (0, 0).
  map[23 * n + 23] = 4.9;
  const std::vector<std::size_t> peaks = find_peaks(map.data(), n);
  const std::vector<std::size_t> expected = {0, 5 * n + 7, 12 * n + 23, 20 * n + 10};
  EXPECT_EQ(peaks, expected);
  // Counts in signal-to-noise bins, σ = 0.5: heights/σ = 10, 5, 7, 2.4 ((23,23) is not a peak).
  EXPECT_EQ(peak_counts(map.data(), n, 0.5, {0, 3, 6, 9}), (std::vector<long>{1, 1, 1}));
  EXPECT_EQ(peak_counts(map.data(), n, 0.5, {0, 3, 6, 9, 12}), (std::vector<long>{1, 1, 1, 1}));
  // No peaks in a constant map.
  const std::vector<double> flat(n * n, 1.0);
  EXPECT_TRUE(find_peaks(flat.data(), n).empty());
}

TEST(CosmologyFieldSummaries, OnePointMomentsOfABernoulliSample) {
  // x = {0, 0, 0, 1}: a Bernoulli(p = 1/4) population. Mean p, variance p(1-p) = 3/16,
  // skewness (1 - 2p) / sqrt(p(1-p)) = 2/√3, excess kurtosis (1 - 6p(1-p)) / (p(1-p)) = -2/3.
  const double x[] = {0, 0, 0, 1};
  const OnePointMoments m = one_point_moments(x, 4);
  EXPECT_NEAR(m.mean, 0.25, 1e-15);
  EXPECT_NEAR(m.variance, 3.0 / 16, 1e-15);
  EXPECT_NEAR(m.skewness, 2 / std::sqrt(3.0), 1e-14);
  EXPECT_NEAR(m.kurtosis, -2.0 / 3, 1e-14);
  // Shift and scale invariance of skewness and kurtosis; variance scales by the square.
  const double y[] = {7, 7, 7, 5};  // 7 - 2x: the skewness changes sign
  const OnePointMoments my = one_point_moments(y, 4);
  EXPECT_NEAR(my.variance, 4 * 3.0 / 16, 1e-14);
  EXPECT_NEAR(my.skewness, -2 / std::sqrt(3.0), 1e-14);
  EXPECT_NEAR(my.kurtosis, -2.0 / 3, 1e-14);
}

TEST(CosmologyFieldSummaries, RejectsBadArguments) {
  const std::vector<double> map(16, 0.0);
  EXPECT_EQ(error_message([&] { binned_power_spectrum(map.data(), 4, 1.0, {1.0}); }),
            "binned_power_spectrum: edges needs at least 2 values");
  EXPECT_EQ(error_message([&] { binned_power_spectrum(map.data(), 4, 1.0, {2.0, 1.0}); }),
            "binned_power_spectrum: edges must increase");
  EXPECT_EQ(error_message([&] { binned_power_spectrum(map.data(), 3, 1.0, {1.0, 2.0}); }),
            "binned_power_spectrum: n = 3 must be even and >= 4");
  EXPECT_EQ(error_message([&] { binned_power_spectrum(map.data(), 4, 0.0, {1.0, 2.0}); }),
            "binned_power_spectrum: side must be finite and > 0");
  EXPECT_EQ(error_message([&] { peak_counts(map.data(), 4, 0.0, {1.0, 2.0}); }),
            "peak_counts: noise_sigma = 0.000000 must be finite and > 0");
  EXPECT_EQ(error_message([&] { peak_counts(map.data(), 4, 1.0, {3.0, 2.0}); }),
            "peak_counts: snr_edges must increase");
  EXPECT_EQ(error_message([&] { one_point_moments(map.data(), 1); }),
            "one_point_moments: needs at least 2 values");
}

}  // namespace
}  // namespace sbi::simulators::cosmology
