// The dwarf task: sampled stars against the Jeans prediction (binned line-of-sight
// dispersion within sampling error), the set layout of x (fixed and variable N), the
// registry's parameters and errors.
#include "simulators/dwarf.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "simulators/registry.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;

// Statistical checks allow 5 standard errors: a false alarm has probability ~6e-7 per check.
constexpr double kSigmas = 5.0;

// E[v_los² | R in bin] = ∫_bin Σ(R) (σ_los²(R) + v_err²) R dR / ∫_bin Σ(R) R dR by 16-point
// Gauss–Legendre on the bin (σ_los² is smooth: error << the 0.3% sampling error).
template <class SigmaLos2>
double binned_expectation(const PlummerTracer& tracer, double lo, double hi, double v_err,
                          const SigmaLos2& sigma_los2) {
  std::vector<double> x, w;
  gauss_legendre(16, &x, &w);
  double num = 0, den = 0;
  for (size_t q = 0; q < x.size(); ++q) {
    const double R = 0.5 * (lo + hi) + 0.5 * (hi - lo) * x[q];
    const double weight = w[q] * tracer.surface_density(R) * R;
    num += weight * (sigma_los2(R) + v_err * v_err);
    den += weight;
  }
  return num / den;
}

// Draws n stars, bins them in R at the given edges and checks, per bin, the mean of v² (the
// true mean of v is 0) against `expected(lo, hi)` within kSigmas standard errors, with the
// standard error sqrt((m4 - m2²)/n_bin) estimated from the sample.
template <class Expected>
void check_binned_dispersion(const JeansSolution& solution, double v_err, int n,
                             const std::vector<double>& edges, const Expected& expected,
                             const char* label) {
  core::Rng rng(2024);
  Eigen::MatrixXd stars(2, n);
  sample_stars(solution, v_err, &rng, stars);
  const size_t bins = edges.size() - 1;
  std::vector<double> m2(bins, 0), m4(bins, 0), count(bins, 0);
  for (int j = 0; j < n; ++j) {
    const auto it = std::upper_bound(edges.begin(), edges.end(), stars(0, j));
    if (it == edges.begin() || it == edges.end()) continue;
    const size_t b = it - edges.begin() - 1;
    const double v2 = stars(1, j) * stars(1, j);
    m2[b] += v2;
    m4[b] += v2 * v2;
    count[b] += 1;
  }
  for (size_t b = 0; b < bins; ++b) {
    ASSERT_GT(count[b], 1000) << label << " bin " << b;
    const double mean2 = m2[b] / count[b], mean4 = m4[b] / count[b];
    const double se = std::sqrt((mean4 - mean2 * mean2) / count[b]);
    const double want = expected(edges[b], edges[b + 1]);
    EXPECT_LT(std::abs(mean2 - want), kSigmas * se)
        << label << " bin [" << edges[b] << ", " << edges[b + 1] << "]: sample " << mean2
        << " Jeans " << want << " (se " << se << ")";
  }
}

TEST(DwarfSimulator, BinnedDispersionOfPlummerSphereMatchesClosedForm) {
  // Self-consistent isotropic Plummer sphere: σ_los² = 3π G M / (64 sqrt(R² + a²)), an
  // expectation independent of the solver. 10^6 stars: ~0.3% standard error per bin.
  const double mass = 1e8, a = 0.3, v_err = 2.0;
  const PlummerTracer tracer(a);
  const JeansSolution s = JeansSolver().solve(PlummerMass(mass, a), tracer, Anisotropy::constant(0));
  check_binned_dispersion(s, v_err, 1000000, {0.0, 0.05, 0.1, 0.2, 0.3, 0.45, 0.7, 1.2, 3.0},
                          [&](double lo, double hi) {
                            return binned_expectation(tracer, lo, hi, v_err, [&](double R) {
                              return 3 * M_PI * kGravitationalConstant * mass /
                                     (64 * std::sqrt(R * R + a * a));
                            });
                          }, "plummer");
}

TEST(DwarfSimulator, BinnedDispersionOfAnisotropicHalosMatchesProjectedJeans) {
  // gNFW halos with radial, tangential and Osipkov–Merritt orbits: the expectation is the
  // projection integral (tested against closed forms in dwarf_jeans_test.cc).
  const DwarfKinematics cusp;
  DwarfConfig om_config;
  om_config.anisotropy = AnisotropyModel::kOsipkovMerritt;
  const DwarfKinematics om(om_config);
  struct Case {
    const DwarfKinematics* sim;
    Eigen::VectorXd theta;
    const char* label;
  };
  Eigen::VectorXd radial(5), tangential(5), osipkov(5);
  radial << 7.8, 0.0, 1.0, 0.7, std::log10(0.25);
  tangential << 8.6, 0.0, 0.0, -0.5, std::log10(0.25);
  osipkov << 8.0, -0.3, 0.5, 0.2, std::log10(0.4);  // r_a = 10^0.2 r_star
  for (const Case& c : {Case{&cusp, radial, "radial cusp"}, Case{&cusp, tangential, "tangential core"},
                        Case{&om, osipkov, "Osipkov-Merritt"}}) {
    const JeansSolution s = c.sim->solve(c.theta);
    const double a = s.tracer().scale_radius();
    std::vector<double> edges;
    for (double e : {0.0, 0.15, 0.3, 0.6, 1.0, 1.6, 3.0, 8.0}) edges.push_back(e * a);
    check_binned_dispersion(s, 2.0, 1000000, edges, [&](double lo, double hi) {
      return binned_expectation(s.tracer(), std::max(lo, 1e-6 * a), hi, 2.0,
                                [&](double R) { return s.sigma_los2(R); });
    }, c.label);
  }
}

TEST(DwarfSimulator, FixedSetLayout) {
  const Task task = make_task("dwarf", {{"num_stars", "50"}, {"v_err", "0"}});
  const auto* sim = dynamic_cast<const DwarfKinematics*>(task.simulator.get());
  ASSERT_NE(sim, nullptr);
  EXPECT_EQ(sim->x_dim(), 100);
  EXPECT_EQ(sim->row_width(), 2);
  EXPECT_FALSE(sim->masked());
  EXPECT_EQ(sim->parameter_names(),
            (std::vector<std::string>{"log10_rho0", "log10_r_s", "gamma", "beta", "log10_r_star"}));
  EXPECT_EQ(sim->data_names()[0], "R_0");
  EXPECT_EQ(sim->data_names()[99], "v_49");
  EXPECT_EQ(task.prior.to_string(), "uniform(7,9),uniform(-1,1),uniform(-1,2),uniform(-0.5,0.9),uniform(-1,0)");
  core::Rng rng(3);
  Eigen::VectorXd theta(5), x(100);
  theta << 8, 0, 1, 0, -0.5;
  sim->simulate(theta, &rng, x);
  for (int j = 0; j < 50; ++j) EXPECT_GT(x[2 * j], 0.0);  // every row is a star: R > 0
  // Same stream, same galaxy.
  core::Rng again(3);
  Eigen::VectorXd y(100);
  sim->simulate(theta, &again, y);
  EXPECT_EQ(x, y);
}

TEST(DwarfSimulator, VariableSetSizeIsPaddedAndMasked) {
  const Task task = make_task("dwarf", {{"num_stars", "40"}, {"num_stars_min", "10"}});
  const auto* sim = dynamic_cast<const DwarfKinematics*>(task.simulator.get());
  ASSERT_NE(sim, nullptr);
  EXPECT_TRUE(sim->masked());
  EXPECT_EQ(sim->row_width(), 3);
  EXPECT_EQ(sim->x_dim(), 120);
  EXPECT_EQ(sim->data_names()[2], "m_0");
  Eigen::VectorXd theta(5), x(120);
  theta << 8, 0, 1, 0, -0.5;
  std::vector<int> counts;
  for (int i = 0; i < 400; ++i) {
    core::Rng rng(9, i);
    sim->simulate(theta, &rng, x);
    int n = 0;
    while (n < 40 && x[3 * n + 2] == 1.0) ++n;
    for (int j = n; j < 40; ++j)  // padding rows after the stars, all zero
      EXPECT_TRUE(x[3 * j] == 0 && x[3 * j + 1] == 0 && x[3 * j + 2] == 0) << i << " " << j;
    for (int j = 0; j < n; ++j) EXPECT_GT(x[3 * j], 0.0);
    counts.push_back(n);
  }
  // n ~ U{10..40}: 31 values, 400 draws; the extremes are reached (P(miss) = (30/31)^400 ~ 2e-6).
  EXPECT_EQ(*std::min_element(counts.begin(), counts.end()), 10);
  EXPECT_EQ(*std::max_element(counts.begin(), counts.end()), 40);
}

TEST(DwarfSimulator, RegistryParametersAndErrors) {
  const Task om = make_task("dwarf", {{"anisotropy", "om"}, {"grid_points", "64"}});
  EXPECT_EQ(om.simulator->parameter_names()[3], "log10_ra_over_rstar");
  EXPECT_EQ(om.prior.marginals()[3].a, -0.3);
  EXPECT_NE(error_message([] { make_task("dwarf", {{"v_err", "-1"}}); }).find("v_err = -1"),
            std::string::npos);
  EXPECT_NE(error_message([] { make_task("dwarf", {{"num_stars", "10"}, {"num_stars_min", "20"}}); })
                .find("num_stars_min = 20 must be in 0..num_stars (10)"),
            std::string::npos);
  EXPECT_NE(error_message([] { make_task("dwarf", {{"anisotropy", "radial"}}); })
                .find("anisotropy = 'radial' is not constant or om"),
            std::string::npos);
  EXPECT_NE(error_message([] { make_task("dwarf", {{"stars", "3"}}); })
                .find("accepted: anisotropy, grid_points, num_stars, num_stars_min, v_err"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators
