// Gaussian random fields: the power spectrum measured from many realisations matches the input
// P(k) within the cosmic variance predicted by the mode counts (a χ² test), the one-point
// variance matches Σ P / V, and realisations are bitwise reproducible from the Rng for any
// number of threads.
#include "simulators/cosmology/gaussian_field.h"

#include <gtest/gtest.h>
#include <omp.h>

#include <cmath>
#include <cstring>

#include "simulators/cosmology/power_spectrum.h"
#include "tests/simulators/cosmology_field_test_util.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators::cosmology {
namespace {

using testing::error_message;

// χ² over B bins of the realisation-averaged binned power against the mode-averaged input P,
// each bin's variance from the mode counts (cosmology_field_test_util.h) divided by the number
// of realisations R. Under the hypothesis each term is ~ N(0, 1)² (R × modes >= 16 × 6
// exponentials per bin), so χ² ~ χ²_B: mean B, standard deviation sqrt(2B). Fixed seed; the
// bound B + 4 sqrt(2B) is exceeded with probability ~3e-4 under the χ²_B distribution.
double chi_square(const Grid& grid, const GaussianField& field, const std::vector<double>& edges,
                  int realisations, std::uint64_t seed, int* dof) {
  const std::vector<int> bin = field_testing::bin_of_entries(grid, edges);
  const int bins = static_cast<int>(edges.size()) - 1;
  const auto ex = field_testing::expected_bins(grid, field.mode_power(), bin, bins);
  std::vector<double> sum(bins, 0.0), map(grid.cells());
  FftWorkspace work, measure;
  for (int r = 0; r < realisations; ++r) {
    core::Rng rng(seed, r);
    field.sample(&rng, &work, map.data());
    const auto b = field_testing::binned(grid, field_testing::measured_power(grid, map.data(), &measure), bin, ex);
    for (int i = 0; i < bins; ++i) sum[i] += b[i];
  }
  double chi2 = 0;
  for (int i = 0; i < bins; ++i) {
    const double mean = sum[i] / realisations;
    chi2 += (mean - ex.mean[i]) * (mean - ex.mean[i]) / (ex.variance[i] / realisations);
  }
  *dof = bins;
  return chi2;
}

std::vector<double> linear_edges(double lo, double hi, int bins) {
  std::vector<double> e(bins + 1);
  for (int i = 0; i <= bins; ++i) e[i] = lo + (hi - lo) * i / bins;
  return e;
}

TEST(CosmologyGaussianField, PowerSpectrum3dWithinCosmicVariance) {
  const LinearPowerSpectrum p(Cosmology{});
  Grid grid;
  grid.dim = 3;
  grid.n = 32;
  grid.side = 256;  // k from 0.025 to 0.68 h/Mpc (the grid's corner), inside the fit's range
  const GaussianField field(grid, [&](double k) { return p(k); });
  int dof = 0;
  const double chi2 = chi_square(grid, field, linear_edges(1, 16, 15), 16, 7, &dof);
  std::printf("[ 3-D: chi2 = %.2f for %d dof ]\n", chi2, dof);
  EXPECT_LT(chi2, dof + 4 * std::sqrt(2.0 * dof));
}

TEST(CosmologyGaussianField, PowerSpectrum2dWithinCosmicVariance) {
  Grid grid;
  grid.dim = 2;
  grid.n = 64;
  grid.side = 500;
  // A steep power law with a turnover, in (length)².
  const GaussianField field(grid, [](double k) { return 3e3 * k / (1 + std::pow(k / 0.05, 2.5)); });
  int dof = 0;
  const double chi2 = chi_square(grid, field, linear_edges(1, 32, 20), 32, 11, &dof);
  std::printf("[ 2-D: chi2 = %.2f for %d dof ]\n", chi2, dof);
  EXPECT_LT(chi2, dof + 4 * std::sqrt(2.0 * dof));
}

TEST(CosmologyGaussianField, OnePointVarianceIsSumOfPowerOverVolume) {
  // The pixel second moment s = (1/N) Σ δ² = (1/V) Σ_k P̂_k (Parseval) is the "one bin holding
  // every mode" case: its variance is Σ_e (m_e == 2 ? 4 : 2) P_e² / V² per realisation.
  Grid grid;
  grid.dim = 2;
  grid.n = 64;
  grid.side = 300;
  const GaussianField field(grid, [](double k) { return 50.0 / (1 + std::pow(k / 0.1, 2)); });
  double predicted_var = 0;
  for (std::size_t e = 0; e < field.mode_power().size(); ++e) {
    const double pe = field.mode_power()[e];
    predicted_var += (mode_multiplicity(grid, e) == 2 ? 4 : 2) * pe * pe;
  }
  predicted_var /= grid.volume() * grid.volume();
  const int realisations = 40;
  double mean_s = 0, mean_x = 0;
  FftWorkspace work;
  std::vector<double> map(grid.cells());
  for (int r = 0; r < realisations; ++r) {
    core::Rng rng(3, r);
    field.sample(&rng, &work, map.data());
    double s = 0, m = 0;
    for (double v : map) s += v * v, m += v;
    mean_s += s / map.size() / realisations;
    mean_x += m / map.size() / realisations;
  }
  const double se = std::sqrt(predicted_var / realisations);
  std::printf("[ variance: measured %.5g, expected %.5g, standard error %.2g ]\n", mean_s,
              field.variance(), se);
  EXPECT_NEAR(mean_s, field.variance(), 4 * se);
  EXPECT_NEAR(mean_x, 0.0, 1e-12 * std::sqrt(field.variance()));  // k = 0 removed: exact
}

TEST(CosmologyGaussianField, BitwiseReproducibleForAnyThreadCount) {
  Grid grid;
  grid.dim = 2;
  grid.n = 32;
  grid.side = 10;
  const GaussianField field(grid, [](double k) { return 1.0 / (k * k + 1); });
  const int count = 8;
  std::vector<Eigen::VectorXd> serial(count), parallel(count);
  for (int i = 0; i < count; ++i) {
    core::Rng rng(42, i);
    serial[i] = field.sample(&rng);
  }
#pragma omp parallel num_threads(2)
  {
    FftWorkspace work;
#pragma omp for schedule(dynamic)
    for (int i = 0; i < count; ++i) {
      core::Rng rng(42, i);
      parallel[i].resize(static_cast<Eigen::Index>(grid.cells()));
      field.sample(&rng, &work, parallel[i].data());
    }
  }
  for (int i = 0; i < count; ++i) {
    EXPECT_EQ(0, std::memcmp(serial[i].data(), parallel[i].data(), grid.cells() * sizeof(double)));
  }
  EXPECT_NE(serial[0][0], serial[1][0]);
}

TEST(CosmologyGaussianField, RejectsBadGridsAndSpectra) {
  Grid g;
  g.n = 31;
  EXPECT_NE(error_message([&] { GaussianField f(g, [](double) { return 1.0; }); })
                .find("GaussianField: Grid::n = 31 must be even and in [4, 65536]"),
            std::string::npos);
  g = Grid{};
  g.dim = 4;
  EXPECT_NE(error_message([&] { GaussianField f(g, [](double) { return 1.0; }); })
                .find("Grid::dim = 4 must be 2 or 3"),
            std::string::npos);
  g = Grid{};
  g.side = -1;
  EXPECT_NE(error_message([&] { GaussianField f(g, [](double) { return 1.0; }); })
                .find("Grid::side = -1"),
            std::string::npos);
  g = Grid{};
  EXPECT_NE(error_message([&] { GaussianField f(g, [](double) { return -1.0; }); })
                .find("mode_power: P(k = 0.0628319) = -1 must be finite and >= 0"),
            std::string::npos);
  // A spectrum whose k range leaves the fit's range is refused by P itself.
  const LinearPowerSpectrum p(Cosmology{});
  g.side = 1e6;  // k_f = 6e-6 h/Mpc < 1e-5
  EXPECT_NE(error_message([&] { GaussianField f(g, [&](double k) { return p(k); }); })
                .find("outside the fitting formula's range"),
            std::string::npos);
  EXPECT_NE(error_message([&] { GaussianField f(Grid{}, std::vector<double>(3, 1.0)); })
                .find("GaussianField: mode_power has 3 entries, expected 2112"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::cosmology
