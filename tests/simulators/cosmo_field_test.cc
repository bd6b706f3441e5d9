// The cosmo_field task: shapes and names, bitwise reproducibility for 1 and 2 threads, the
// band powers against the Limber C_ℓ plus shape noise, the smoothed-noise normalisation the
// peak S/N relies on, the reduced-accuracy C_ℓ table against the library defaults, and one
// clear error per bad parameter.
#include "simulators/cosmo_field.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>

#include "simulators/batch.h"
#include "simulators/cosmology/gaussian_field.h"
#include "simulators/registry.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;

SimulateOptions with(std::uint64_t seed, int threads) {
  SimulateOptions options;
  options.seed = seed;
  options.threads = threads;
  return options;
}

TEST(CosmoField, ShapesNamesAndPrior) {
  const Task task = make_task("cosmo_field");
  EXPECT_EQ(task.simulator->name(), "cosmo_field");
  EXPECT_EQ(task.simulator->parameter_names(), (std::vector<std::string>{"omega_m", "sigma8"}));
  EXPECT_EQ(task.prior.to_string(), "uniform(0.1,0.5),uniform(0.5,1.1)");
  ASSERT_EQ(task.simulator->x_dim(), 10);
  const auto names = task.simulator->data_names();
  ASSERT_EQ(names.size(), 10u);
  EXPECT_EQ(names[0], "logC_ell_bin0");
  EXPECT_EQ(names[9], "logC_ell_bin9");

  const Task both = make_task("cosmo_field", {{"summary", "power+peaks+moments"},
                                              {"power_bins", "6"},
                                              {"peak_edges", "-1,0.5,2,3.5"}});
  EXPECT_EQ(both.simulator->data_names(),
            (std::vector<std::string>{"logC_ell_bin0", "logC_ell_bin1", "logC_ell_bin2", "logC_ell_bin3",
                                      "logC_ell_bin4", "logC_ell_bin5", "peaks_snr_-1_0.5",
                                      "peaks_snr_0.5_2", "peaks_snr_2_3.5", "log_kappa_var", "kappa_skew",
                                      "kappa_kurt"}));
  EXPECT_EQ(both.simulator->x_dim(), 12);

  const Task peaks = make_task("cosmo_field", {{"summary", "power+peaks"}});
  EXPECT_EQ(peaks.simulator->x_dim(), 15);
  EXPECT_EQ(peaks.simulator->data_names()[10], "peaks_snr_0_1");
  EXPECT_EQ(peaks.simulator->data_names()[14], "peaks_snr_4_6");

  const Task free3 = make_task("cosmo_field", {{"free", "sigma8,w0,omega_m"}, {"h", "0.67"}});
  EXPECT_EQ(free3.simulator->parameter_names(), (std::vector<std::string>{"sigma8", "w0", "omega_m"}));
  EXPECT_EQ(free3.prior.to_string(), "uniform(0.5,1.1),uniform(-1.5,-0.5),uniform(0.1,0.5)");
  const auto& sim = dynamic_cast<const CosmoField&>(*free3.simulator);
  const auto c = sim.cosmology(Eigen::Vector3d(0.7, -0.9, 0.25));
  EXPECT_EQ(c.sigma8, 0.7);
  EXPECT_EQ(c.w0, -0.9);
  EXPECT_EQ(c.omega_m, 0.25);
  EXPECT_EQ(c.h, 0.67);
  EXPECT_EQ(c.omega_b, 0.05);

  // ℓ bins: log-spaced from the fundamental to the Nyquist multipole of the 128² 5° map.
  const auto& edges = dynamic_cast<const CosmoField&>(*task.simulator).ell_edges();
  ASSERT_EQ(edges.size(), 11u);
  EXPECT_NEAR(edges.front(), 360.0 / 5.0, 1e-9);
  EXPECT_NEAR(edges.back(), 64 * 360.0 / 5.0, 1e-9);
}

TEST(CosmoField, ReproducibleFromTheSeedForOneAndTwoThreads) {
  const Task task = make_task("cosmo_field", {{"summary", "power+peaks+moments"}, {"pixels", "64"}});
  const long n = 12;
  const SimulationBatch one = simulate_from_prior(task, n, with(7, 1));
  const SimulationBatch two = simulate_from_prior(task, n, with(7, 2));
  ASSERT_EQ(one.x.rows(), task.simulator->x_dim());
  ASSERT_EQ(one.x.cols(), n);
  EXPECT_TRUE(one.theta == two.theta);
  EXPECT_TRUE(one.x == two.x);
  EXPECT_TRUE(one.x.allFinite());
  // The definition: sample i = prior draw then simulation on Rng(seed, i).
  core::Rng rng(7, 5);
  Eigen::VectorXd theta(2), x(task.simulator->x_dim());
  task.prior.sample(&rng, theta);
  task.simulator->simulate(theta, &rng, x);
  EXPECT_EQ(theta, one.theta.col(5));
  EXPECT_EQ(x, one.x.col(5));
  EXPECT_FALSE(simulate_from_prior(task, n, with(8, 2)).x == one.x);
  const SimulationBatch at1 = simulate_at(*task.simulator, one.theta, with(3, 1));
  const SimulationBatch at2 = simulate_at(*task.simulator, one.theta, with(3, 2));
  EXPECT_TRUE(at1.x == at2.x);
}

// Mean band power of M Gaussian maps at a fixed θ against its expectation: the mode average
// of the C_ℓ the maps are drawn from (the Limber C_ℓ, interpolated) plus the flat noise
// spectrum σ_pix² A_pix. exp(x_b) is the band power itself, so its mean is unbiased; the
// standard error comes from the M values. χ² over the bins against bins + 4 sqrt(2 bins)
// (a 4σ excursion of a χ² variable; M = 300 makes the bin means close to Gaussian).
TEST(CosmoField, MeanBandPowerIsLimberPlusNoise) {
  const Task task = make_task("cosmo_field", {{"field", "gaussian"}, {"pixels", "64"}, {"power_bins", "8"}});
  const auto& sim = dynamic_cast<const CosmoField&>(*task.simulator);
  const int m = 300, bins = 8;
  const Eigen::Vector2d theta(0.3, 0.8);
  const SimulationBatch batch = simulate_at(sim, theta.replicate(1, m), with(11, 0));

  const cosmology::ConvergenceMapSimulator maps(sim.cosmology(theta), sim.config().map);
  cosmology::Grid grid = maps.grid();
  const double a_pix = std::pow(grid.side / grid.n, 2);
  const double noise = maps.noise_sigma() * maps.noise_sigma() * a_pix;
  const std::vector<int> m2 = cosmology::mode_index_squared(grid);
  const auto& edges = sim.ell_edges();
  std::vector<double> expected(bins, 0.0), weight(bins, 0.0);
  for (std::size_t e = 1; e < m2.size(); ++e) {
    const double ell = grid.fundamental() * std::sqrt(static_cast<double>(m2[e]));
    if (ell < edges.front() || ell >= edges.back()) continue;
    const int b = static_cast<int>(std::upper_bound(edges.begin(), edges.end(), ell) - edges.begin()) - 1;
    const int mult = cosmology::mode_multiplicity(grid, e);
    expected[b] += mult * (maps.cl(ell) + noise);
    weight[b] += mult;
  }
  double chi2 = 0;
  for (int b = 0; b < bins; ++b) {
    expected[b] /= weight[b];
    const Eigen::ArrayXd p = batch.x.row(b).array().exp();
    const double mean = p.mean();
    const double se = std::sqrt((p - mean).square().sum() / (m - 1) / m);
    chi2 += std::pow((mean - expected[b]) / se, 2);
    std::printf("[ bin %d: ell %.0f-%.0f  mean %.4e  expected %.4e (noise %.2e)  se %.1e ]\n", b,
                edges[b], edges[b + 1], mean, expected[b], noise, se);
  }
  std::printf("[ band powers of %d maps: chi2 = %.2f for %d bins ]\n", m, chi2, bins);
  EXPECT_LT(chi2, bins + 4 * std::sqrt(2.0 * bins));
  // The map's C_ℓ is the Limber integral (the spline table is exact at its nodes to 1e-6).
  for (double ell : {100.0, 500.0, 2000.0})
    EXPECT_NEAR(maps.cl(ell) / maps.spectrum()(ell), 1.0, 1e-4) << ell;
}

// Peak S/N divides by the rms of the smoothed shape noise, computed on the grid. With the
// signal switched off (σ8 = 1e-3: signal variance 1e-6 of σ8 = 0.8's, far below the error
// below) the smoothed map is smoothed noise, so its variance must be that rms squared. Each
// map's variance estimate has a relative error ~ sqrt(2 / N_eff); the mean over 40 maps is
// compared with its own standard error (4σ).
TEST(CosmoField, SmoothedNoiseNormalisationOfThePeakSnr) {
  const Task task = make_task("cosmo_field", {{"free", "omega_m"},
                                              {"sigma8", "0.001"},
                                              {"summary", "moments"},
                                              {"pixels", "64"},
                                              {"smoothing_arcmin", "6"}});
  const auto& sim = dynamic_cast<const CosmoField&>(*task.simulator);
  const int m = 40;
  const SimulationBatch batch = simulate_at(sim, Eigen::MatrixXd::Constant(1, m, 0.3), with(4, 0));
  const cosmology::ConvergenceMapSimulator maps(sim.cosmology(Eigen::VectorXd::Constant(1, 0.3)),
                                                sim.config().map);
  // Exact rms of smoothed unit white noise: (1/N) Σ_k W_k² over the full plane.
  const cosmology::Grid grid = maps.grid();
  const std::vector<int> m2 = cosmology::mode_index_squared(grid);
  const double sigma = 6.0 / 60.0 * M_PI / 180.0;
  double sum = 0;
  for (std::size_t e = 0; e < m2.size(); ++e)
    sum += cosmology::mode_multiplicity(grid, e) *
           std::exp(-grid.fundamental() * grid.fundamental() * m2[e] * sigma * sigma);
  const double expected = maps.noise_sigma() * maps.noise_sigma() * sum / grid.cells();
  const Eigen::ArrayXd v = batch.x.row(0).array().exp();
  const double mean = v.mean(), se = std::sqrt((v - mean).square().sum() / (m - 1) / m);
  std::printf("[ smoothed noise variance %.5e expected %.5e se %.1e; skewness %.3f ]\n", mean, expected, se,
              batch.x.row(1).mean());
  EXPECT_NEAR(mean, expected, 4 * se);
  EXPECT_LT(se, 0.05 * expected);  // the test has power: a 20% error in the rms would fail
}

// The task's cheaper C_ℓ table (fewer ℓ nodes, Limber panels and σ8 panels) against the
// library's defaults over the map's ℓ range, at the centre and corners of the prior.
TEST(CosmoField, ReducedAccuracyClTableAgreesWithLibraryDefaultsTo1e4) {
  const CosmoFieldConfig config;
  cosmology::ConvergenceMapOptions full;
  full.field = config.map.field;
  for (const auto& [om, s8] : {std::pair{0.3, 0.8}, {0.1, 0.5}, {0.5, 1.1}, {0.1, 1.1}, {0.5, 0.5}}) {
    cosmology::Cosmology c;
    c.omega_m = om;
    c.sigma8 = s8;
    const cosmology::ConvergenceMapSimulator fast(c, config.map), slow(c, full);
    double worst = 0;
    for (double ell = 72; ell < 6600; ell *= 1.07) worst = std::max(worst, std::abs(fast.cl(ell) / slow.cl(ell) - 1));
    EXPECT_LT(worst, 1e-4) << om << " " << s8;
  }
}

// summary=map: x is the map itself, declared as an n x n image; its summaries are exactly
// those summary=power computes from the same draws.
TEST(CosmoField, TheMapIsAnImageWhoseSummariesArePower) {
  const Task map_task = make_task("cosmo_field", {{"summary", "map"}, {"pixels", "32"}});
  const Task power_task = make_task("cosmo_field", {{"summary", "power"}, {"pixels", "32"}});
  EXPECT_EQ(map_task.simulator->x_shape(), core::DataShape::image(32, 32));
  EXPECT_EQ(map_task.simulator->x_dim(), 1024);
  EXPECT_EQ(map_task.simulator->data_names()[33], "kappa_1_1");
  EXPECT_EQ(power_task.simulator->x_shape(), core::DataShape::vector(10));
  const Eigen::Vector2d theta(0.3, 0.8);
  Eigen::VectorXd map(1024), power(10), from_map(10);
  core::Rng a(9), b(9);
  map_task.simulator->simulate(theta, &a, map);
  power_task.simulator->simulate(theta, &b, power);
  const auto& field = static_cast<const CosmoField&>(*power_task.simulator);
  const cosmology::ConvergenceMapSimulator sim(field.cosmology(theta), field.config().map);
  field.summarize(map.data(), sim.noise_sigma(), from_map);
  EXPECT_EQ(from_map, power);
}

TEST(CosmoField, BadParametersGiveOneClearError) {
  struct Case {
    std::map<std::string, std::string> params;
    const char* expected;
  };
  const Case cases[] = {
      {{{"summary", "map+power"}}, "summary = 'map+power' is not map, or power, peaks, moments"},
      {{{"summary", "power+bispectrum"}}, "summary = 'power+bispectrum' is not map, or power, peaks, moments"},
      {{{"omega_m", "0.3"}}, "parameter omega_m is free (an entry of theta)"},
      {{{"free", "sigma8"}, {"omega_m", "-0.1"}}, "omega_m = -0.1 must be in (0, 1]"},
      {{{"free", "sigma8"}, {"omega_m", "abc"}}, "parameter omega_m = 'abc' is not a finite number"},
      {{{"omega_b", "0.2"}}, "omega_b = 0.2 must be < omega_m = 0.1"},
      {{{"free", "omega_m,sigma8,w1"}}, "free: unknown parameter 'w1'"},
      {{{"free", "omega_m,omega_m"}}, "free: 'omega_m' is listed twice"},
      {{{"field", "poisson"}}, "parameter field = 'poisson' is not gaussian or lognormal"},
      {{{"pixels", "65"}}, "pixels = 65 must be even"},
      {{{"side_deg", "-5"}}, "side_deg = -5"},
      {{{"z_s", "0"}}, "z_s = 0"},
      {{{"n_gal", "0"}}, "n_gal = 0"},
      {{{"shape_noise", "-0.1"}}, "shape_noise = -0.1"},
      {{{"power_bins", "40"}, {"pixels", "16"}}, "power_bins = 40 leaves bin 1"},
      {{{"peak_edges", "3,2"}}, "peak_edges must increase"},
      {{{"smoothing_arcmin", "-1"}}, "smoothing_arcmin = -1"},
      {{{"transfer", "bbks"}}, "parameter transfer = 'bbks' is not eh or eh_nowiggle"},
      {{{"summary", "peaks"}, {"shape_noise", "0"}}, "peaks need shape noise"},
      {{{"omega", "1"}}, "task cosmo_field has no parameter 'omega'"},
  };
  for (const Case& c : cases) {
    const std::string message = error_message([&] { make_task("cosmo_field", c.params); });
    EXPECT_NE(message.find(c.expected), std::string::npos) << c.expected << " | " << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
  // θ from a file can be unphysical: the error names the parameter.
  const Task task = make_task("cosmo_field");
  const std::string message =
      error_message([&] { simulate_at(*task.simulator, Eigen::MatrixXd::Constant(2, 1, -0.2), with(1, 1)); });
  EXPECT_NE(message.find("omega_m = -0.2 must be in (0, 1]"), std::string::npos) << message;
}

}  // namespace
}  // namespace sbi::simulators
