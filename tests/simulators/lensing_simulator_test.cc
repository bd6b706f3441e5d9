// The `lensing` task end to end: rings and image pairs of the SIS, conservation of surface
// brightness, the sparse operator against the simulator, noise, reproducibility across
// threads, and the checks on θ, options and instrument files.
#include "simulators/lensing.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "simulators/batch.h"
#include "simulators/lensing/lensing_operator.h"
#include "simulators/lensing/pixelated_source.h"
#include "simulators/lensing/poisson.h"
#include "simulators/registry.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;

// Statistical checks allow 5 standard errors: a false alarm has probability ~6e-7 per check.
constexpr double kSigmas = 5.0;

LensingConfig noiseless(int npix, double pixel_scale, int supersample) {
  LensingConfig c;
  c.npix = npix;
  c.pixel_scale = pixel_scale;
  c.supersample = supersample;
  c.psf_fwhm = 0;
  c.noise_sigma = 0;
  return c;
}

Eigen::VectorXd theta_of(double theta_e, double q, double phi, double g1, double g2, double sx,
                         double sy, double reff, double n, double sq, double sphi, double amp) {
  Eigen::VectorXd t(12);
  t << theta_e, q, phi, g1, g2, sx, sy, reff, n, sq, sphi, amp;
  return t;
}

Eigen::VectorXd simulate(const StrongLensing& sim, const Eigen::VectorXd& theta,
                         std::uint64_t seed = 1) {
  core::Rng rng(seed);
  Eigen::VectorXd x(sim.x_dim());
  sim.simulate(theta, &rng, x);
  return x;
}

// Flux-weighted sums over the pixels for which keep(x, y) holds.
struct Moments {
  double flux = 0, mean_x = 0, mean_y = 0, mean_r = 0, rms_r = 0;
};
template <class Keep>
Moments moments(const StrongLensing& sim, const Eigen::VectorXd& image, double center, Keep keep) {
  const lensing::RayGrid& g = sim.grid();
  Moments m;
  double sum_r2 = 0;
  for (int r = 0; r < g.npix(); ++r)
    for (int c = 0; c < g.npix(); ++c) {
      const double x = g.pixel_x(c), y = g.pixel_y(r), w = image[r * g.npix() + c];
      if (!keep(x, y)) continue;
      const double rad = std::hypot(x, y);
      m.flux += w;
      m.mean_x += w * x;
      m.mean_y += w * y;
      m.mean_r += w * rad;
      sum_r2 += w * (rad - center) * (rad - center);
    }
  m.mean_x /= m.flux;
  m.mean_y /= m.flux;
  m.mean_r /= m.flux;
  m.rms_r = std::sqrt(sum_r2 / m.flux);
  m.flux *= g.pixel_scale() * g.pixel_scale();  // mean brightness x area
  return m;
}

TEST(LensingSimulator, PointSourceOnTheAxisMakesARingAtThetaE) {
  // SIS θ_E = 1.2", a Gaussian source (n = 0.5, R_e = 0.01", σ = R_e / sqrt(2 ln 2) = 0.0085")
  // on the optical axis: the image is a ring whose radial profile is the source's, so its
  // brightness-weighted mean radius is θ_E + σ²/θ_E = θ_E + 6.0e-5 (the ring's area grows with
  // r). Pixel centres standing in for the light's positions add Δ²/(24 θ_E) = 1.4e-5 for
  // Δ = 0.02", and a ring thinner than a pixel aliases with the grid: 4e-4 at Δ = 0.04" (the
  // radius then 30 pixels), below 1e-5 at 0.02", which is why the grid is that fine.
  // Tolerance 5e-5 arcsec around θ_E + σ²/θ_E; the ring must be thin (rms width < 2 σ).
  const StrongLensing sim(noiseless(240, 0.02, 4));
  const double sigma = 0.01 / std::sqrt(2 * std::log(2.0));
  for (double phi : {0.0, 1.0}) {
    const Eigen::VectorXd x =
        simulate(sim, theta_of(1.2, 1.0, phi, 0, 0, 0, 0, 0.01, 0.5, 1, 0, 1));
    const Moments m = moments(sim, x, 1.2, [](double, double) { return true; });
    EXPECT_NEAR(m.mean_r, 1.2 + sigma * sigma / 1.2, 5e-5);
    EXPECT_LT(m.rms_r, 2 * sigma);
    EXPECT_NEAR(m.mean_x, 0.0, 1e-6);  // and centred (symmetric to rounding)
    EXPECT_NEAR(m.mean_y, 0.0, 1e-6);
  }
}

TEST(LensingSimulator, SisImagePairOfAnOffAxisSource) {
  // Source at β = 0.4" on the x axis, θ_E = 1.2: images at x = β ± θ_E = 1.6 and -0.8 with
  // |μ| = θ_E/β ± 1 = 4 and 2 (lensing_lens_test checks these magnifications point by point).
  // For the Gaussian source of σ = 0.0085" the flux-weighted magnification differs from the
  // point source's by O((σ/β)²) = 5e-4; the midpoint rule on a 0.005" ray grid integrates the
  // images to far better (aliasing ~ exp(-2π² σ²/h²)). Tolerance on fluxes and their ratio:
  // 3e-3 relative; on the image centroids 2e-3 arcsec.
  const StrongLensing sim(noiseless(180, 0.02, 4));
  const Eigen::VectorXd theta = theta_of(1.2, 1.0, 0.3, 0, 0, 0.4, 0, 0.01, 0.5, 1, 0, 1);
  const Eigen::VectorXd x = simulate(sim, theta);
  const double f_src = sim.source(theta).total_flux();
  const Moments plus = moments(sim, x, 1.6, [](double px, double) { return px > 0.4; });
  const Moments minus = moments(sim, x, 0.8, [](double px, double) { return px < 0.4; });
  EXPECT_NEAR(plus.mean_x, 1.6, 2e-3);
  EXPECT_NEAR(minus.mean_x, -0.8, 2e-3);
  EXPECT_NEAR(plus.mean_y, 0.0, 2e-3);
  EXPECT_NEAR(plus.flux / f_src, 4.0, 4.0 * 3e-3);
  EXPECT_NEAR(minus.flux / f_src, 2.0, 2.0 * 3e-3);
  EXPECT_NEAR(plus.flux / minus.flux, 2.0, 2.0 * 3e-3);
}

TEST(LensingSimulator, SurfaceBrightnessIsConservedAtEachPixel) {
  // supersample 1, no PSF, no noise: pixel (r, c) is the source's brightness at β = θ - α(θ)
  // of its centre θ, here written with std::pow and std::exp. The ingredients agree to
  // ~1e-14 (α, see lensing_lens_test), which moves ln I by |d ln I / dβ| 1e-14 < 1e-13 for
  // this source; the exponent, up to ~20, is rounded to 4e-16 relative: 1e-12 relative.
  const StrongLensing sim(noiseless(32, 0.12, 1));
  const Eigen::VectorXd theta =
      theta_of(1.1, 0.7, 0.4, 0.04, -0.05, 0.1, -0.15, 0.3, 1.5, 0.8, 2.0, 4);
  const Eigen::VectorXd x = simulate(sim, theta);
  const lensing::LensModel lens = sim.lens(theta);
  const double b = lensing::sersic_b(1.5), c2 = std::cos(2.0), s2 = std::sin(2.0);
  for (int r = 0; r < 32; ++r)
    for (int c = 0; c < 32; ++c) {
      const double px = sim.grid().pixel_x(c), py = sim.grid().pixel_y(r);
      const Eigen::Vector2d beta = Eigen::Vector2d(px, py) - lens.deflection(px, py);
      const double dx = beta.x() - 0.1, dy = beta.y() + 0.15;
      const double u = c2 * dx + s2 * dy, v = -s2 * dx + c2 * dy;
      const double big_r = std::sqrt(u * u + v * v / 0.64);
      const double want = 4 * std::exp(-b * (std::pow(big_r / 0.3, 1 / 1.5) - 1));
      EXPECT_NEAR(x[r * 32 + c], want, 1e-12 * want) << r << ", " << c;
    }
}

TEST(LensingSimulator, SupersampledPixelIsTheMeanOverItsRays) {
  // Every pixel of an odd 9 x 9 grid (a middle pixel and a middle ray) with s = 3: the mean
  // brightness at β of rays at the pixel centre + ((k + 1/2)/3 - 1/2) Δ per axis, each traced
  // here one by one. trace_image traces half the rays of a centred lens and mirrors the rest
  // (β(-θ) = -β(θ)), and all of them for an off-centre one: both against the direct sum.
  // Deflections agree to 1e-16 relative (atanh of -x is -atanh x only to rounding), which
  // moves the brightness by less than 1e-14 relative.
  const lensing::RayGrid grid(9, 0.2, 3);
  EXPECT_EQ(grid.num_rays(), 729);
  EXPECT_NEAR(grid.pixel_y(0), -0.8, 1e-15);  // row index increases with y
  EXPECT_NEAR(grid.pixel_x(8), 0.8, 1e-15);
  std::vector<double> x(729), y(729);
  grid.rays(0, 81, x.data(), y.data());
  for (int i = 0; i < grid.num_rays(); ++i) {  // exactly symmetric
    EXPECT_EQ(x[i], -x[grid.num_rays() - 1 - i]);
    EXPECT_EQ(y[i], -y[grid.num_rays() - 1 - i]);
  }
  // Sub-pixel k of pixel j at k 81 + j: pixel 2 (row 0), sub-pixel 5 (sub-row 1, sub-column 2).
  EXPECT_NEAR(x[5 * 81 + 2], (2 - 4) * 0.2 + (2.5 / 3 - 0.5) * 0.2, 1e-15);
  EXPECT_NEAR(y[5 * 81 + 2], -0.8, 1e-15);
  std::vector<double> x7(9), y7(9);  // one pixel: its sub-pixels in order
  grid.rays(7, 1, x7.data(), y7.data());
  for (int k = 0; k < 9; ++k) {
    EXPECT_EQ(x7[k], x[k * 81 + 7]);
    EXPECT_EQ(y7[k], y[k * 81 + 7]);
  }
  const lensing::Sersic src(2, 0.25, 1, 0.7, 0.5, 0.05, 0.1);
  for (double center : {0.0, 0.13}) {
    const lensing::LensModel lens(lensing::Sie(0.8, 0.6, 1.0, center, -0.5 * center),
                                  lensing::ExternalShear(0.02, 0.03));
    EXPECT_EQ(lens.is_point_symmetric(), center == 0);
    Eigen::VectorXd image(81);
    lensing::trace_image(grid, lens, src, image.data());
    for (int r = 0; r < 9; ++r)
      for (int c = 0; c < 9; ++c) {
        double sum = 0;
        for (int a = 0; a < 3; ++a)
          for (int k = 0; k < 3; ++k) {
            const double px = (c - 4) * 0.2 + ((k + 0.5) / 3 - 0.5) * 0.2;
            const double py = (r - 4) * 0.2 + ((a + 0.5) / 3 - 0.5) * 0.2;
            const Eigen::Vector2d beta = Eigen::Vector2d(px, py) - lens.deflection(px, py);
            sum += src.brightness(beta.x(), beta.y());
          }
        EXPECT_NEAR(image[r * 9 + c], sum / 9, 1e-14 * sum)
            << r << ", " << c << " centre " << center;
      }
  }
}

TEST(LensingSimulator, SparseOperatorReproducesTheImageOfAPixelatedSource) {
  // B s = the traced image of the pixelated source, and P B s = the simulator's noise-free
  // image with its PSF. Same products summed in another order: 1e-14 of the largest pixel.
  LensingConfig config = noiseless(40, 0.08, 2);
  config.psf_fwhm = 0.2;
  config.psf_size = 11;
  const StrongLensing sim(config);
  const lensing::LensModel lens(lensing::Sie(1.0, 0.75, 0.6), lensing::ExternalShear(0.05, 0.02));
  lensing::SourceGrid sg;
  sg.rows = 24;
  sg.cols = 30;
  sg.pixel_scale = 0.04;
  sg.center_x = 0.05;
  sg.center_y = -0.03;
  core::Rng rng(11);
  Eigen::MatrixXd pixels(24, 30);
  for (int i = 0; i < 24; ++i)
    for (int j = 0; j < 30; ++j) pixels(i, j) = rng.uniform();
  const lensing::PixelatedSource src(sg, pixels);
  const Eigen::SparseMatrix<double> b = lensing::lensing_operator(sim.grid(), lens, sg);
  ASSERT_EQ(b.rows(), 1600);
  ASSERT_EQ(b.cols(), 720);
  Eigen::VectorXd traced(1600);
  lensing::trace_image(sim.grid(), lens, src, traced.data());
  const Eigen::VectorXd linear = b * src.values();
  ASSERT_GT(traced.maxCoeff(), 0.1);  // the source is in view
  EXPECT_LT((linear - traced).cwiseAbs().maxCoeff(), 1e-14 * traced.maxCoeff());
  Eigen::VectorXd image(1600);
  sim.noiseless_image(lens, src, image);
  const Eigen::VectorXd blurred = sim.convolver()->matrix() * linear;
  EXPECT_LT((blurred - image).cwiseAbs().maxCoeff(), 1e-14 * image.maxCoeff());
  EXPECT_GT((image - traced).cwiseAbs().maxCoeff(), 1e-3);  // the PSF did something
}

TEST(LensingSimulator, GaussianNoiseHasTheRequestedSigma) {
  // 20 images x 2304 pixels = 46080 residuals: the standard error of their mean is
  // σ / sqrt(N) and of their standard deviation σ / sqrt(2N).
  const Task task = make_lensing_task();
  const auto& sim = static_cast<const StrongLensing&>(*task.simulator);
  const Eigen::VectorXd theta = theta_of(1.0, 0.8, 0.5, 0.01, -0.02, 0.1, 0.05, 0.2, 2, 0.7, 1, 5);
  Eigen::VectorXd clean(sim.x_dim());
  sim.noiseless_image(sim.lens(theta), sim.source(theta), clean);
  double sum = 0, sum2 = 0;
  const int images = 20;
  for (int k = 0; k < images; ++k) {
    const Eigen::VectorXd res = simulate(sim, theta, 100 + k) - clean;
    sum += res.sum();
    sum2 += res.squaredNorm();
  }
  const double n = images * 2304.0, mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, kSigmas * 0.1 / std::sqrt(n));
  EXPECT_NEAR(sd, 0.1, kSigmas * 0.1 / std::sqrt(2 * n));
}

TEST(LensingSimulator, NoiseMapSetsEachPixelsSigma) {
  // σ = 0 on rows below the middle (those pixels equal the noise-free image exactly), 0.3 above.
  LensingConfig config;
  config.noise_map = Eigen::MatrixXd::Zero(48, 48);
  config.noise_map.bottomRows(24).setConstant(0.3);  // rows 24..47: y > 0
  const StrongLensing sim(config);
  const Eigen::VectorXd theta = theta_of(1.0, 0.8, 0.5, 0, 0, 0, 0, 0.2, 1, 1, 0, 3);
  Eigen::VectorXd clean(sim.x_dim());
  sim.noiseless_image(sim.lens(theta), sim.source(theta), clean);
  double sum2 = 0;
  const int images = 10;
  for (int k = 0; k < images; ++k) {
    const Eigen::VectorXd res = simulate(sim, theta, k) - clean;
    EXPECT_EQ(res.head(24 * 48).cwiseAbs().maxCoeff(), 0.0);
    sum2 += res.tail(24 * 48).squaredNorm();
  }
  const double n = images * 24 * 48.0;
  EXPECT_NEAR(std::sqrt(sum2 / n), 0.3, kSigmas * 0.3 / std::sqrt(2 * n));
}

TEST(LensingPoisson, MeanAndVarianceOfTheSampler) {
  // N = 20000 draws: mean within 5 σ/sqrt(N); sample variance within 5 of its standard error
  // λ sqrt(2/(N-1) + 1/(λ N)); P(0) = e^(-λ) within 5 sqrt(p(1-p)/N). Means on both sides
  // of the switch between methods (10).
  const int n = 20000;
  for (double lambda : {0.3, 4.0, 9.5, 10.5, 60.0, 2500.0}) {
    core::Rng rng(42, static_cast<std::uint64_t>(lambda * 10));
    double sum = 0, sum2 = 0;
    int zeros = 0;
    for (int i = 0; i < n; ++i) {
      const long k = lensing::poisson(lambda, &rng);
      ASSERT_GE(k, 0);
      sum += k;
      sum2 += static_cast<double>(k) * k;
      zeros += k == 0;
    }
    const double mean = sum / n, var = (sum2 - n * mean * mean) / (n - 1);
    EXPECT_NEAR(mean, lambda, kSigmas * std::sqrt(lambda / n)) << lambda;
    EXPECT_NEAR(var, lambda, kSigmas * lambda * std::sqrt(2.0 / (n - 1) + 1 / (lambda * n)))
        << lambda;
    const double p0 = std::exp(-lambda);
    EXPECT_NEAR(zeros / double(n), p0, kSigmas * std::sqrt(p0 * (1 - p0) / n) + 1e-12) << lambda;
  }
  core::Rng rng(1);
  EXPECT_EQ(lensing::poisson(0.0, &rng), 0);
  EXPECT_NE(error_message([&] {
              lensing::poisson(-1, &rng);
            }).find("poisson: mean = -1, must be in [0, 1e15]"),
            std::string::npos);
  EXPECT_NE(error_message([&] { lensing::poisson(NAN, &rng); }).find("mean = nan"),
            std::string::npos);
}

TEST(LensingSimulator, PoissonImagesAreCounts) {
  LensingConfig config;
  config.noise_sigma = 0;
  config.poisson = true;
  const StrongLensing sim(config);
  const Eigen::VectorXd x = simulate(sim, theta_of(1.0, 0.8, 0.5, 0, 0, 0, 0, 0.3, 1, 1, 0, 8));
  EXPECT_EQ(x, x.array().round().matrix());
  EXPECT_GE(x.minCoeff(), 0.0);
  EXPECT_GT(x.sum(), 100.0);
}

TEST(LensingSimulator, SameImagesForOneAndTwoThreads) {
  const Task task = make_lensing_task();
  SimulateOptions one, two;
  one.seed = two.seed = 9;
  one.threads = 1;
  two.threads = 2;
  const SimulationBatch a = simulate_from_prior(task, 300, one);
  const SimulationBatch b = simulate_from_prior(task, 300, two);
  EXPECT_TRUE(a.theta == b.theta);
  EXPECT_TRUE(a.x == b.x);
  EXPECT_TRUE(a.x.allFinite());
  // Sample i is prior draw then simulation on Rng(seed, i).
  core::Rng rng(9, 123);
  Eigen::VectorXd theta(12), x(task.simulator->x_dim());
  task.prior.sample(&rng, theta);
  task.simulator->simulate(theta, &rng, x);
  EXPECT_EQ(x, a.x.col(123));
  one.seed = 10;
  EXPECT_FALSE(simulate_from_prior(task, 5, one).x == a.x.leftCols(5));
}

TEST(LensingSimulator, TaskShapeNamesAndPrior) {
  const Task task = make_task("lensing");
  const Simulator& sim = *task.simulator;
  EXPECT_EQ(sim.name(), "lensing");
  EXPECT_EQ(sim.theta_dim(), 12);
  EXPECT_EQ(sim.x_dim(), 48 * 48);
  EXPECT_EQ(sim.x_shape(), core::DataShape::image(48, 48));
  EXPECT_EQ(sim.parameter_names(),
            (std::vector<std::string>{"theta_E", "q", "phi", "gamma1", "gamma2", "src_x", "src_y",
                                      "src_reff", "src_n", "src_q", "src_phi", "src_amp"}));
  EXPECT_EQ(sim.data_names()[48 + 2], "pixel_1_2");
  EXPECT_EQ(task.prior.dim(), 12);
  EXPECT_EQ(task.prior.lower()[0], 0.5);
  EXPECT_EQ(task.prior.upper()[0], 1.5);
  EXPECT_EQ(task.prior.upper()[2], M_PI);
  EXPECT_EQ(task.prior.lower()[9], 0.4);
  EXPECT_EQ(task.prior.upper()[11], 10.0);
  // The default instrument: 21 x 21 Gaussian PSF of FWHM 0.15", separable.
  const auto& lensing_sim = static_cast<const StrongLensing&>(sim);
  ASSERT_NE(lensing_sim.convolver(), nullptr);
  EXPECT_EQ(lensing_sim.convolver()->psf().size(), 21);
  EXPECT_EQ(lensing_sim.convolver()->method(), lensing::ConvolutionMethod::kSeparable);

  const Task small = make_task("lensing", {{"npix", "32"},
                                           {"pixel_scale", "0.05"},
                                           {"supersample", "2"},
                                           {"psf_fwhm", "0"},
                                           {"noise_sigma", "0"}});
  const auto& s = static_cast<const StrongLensing&>(*small.simulator);
  EXPECT_EQ(s.x_shape(), core::DataShape::image(32, 32));
  EXPECT_EQ(s.grid().supersample(), 2);
  EXPECT_EQ(s.convolver(), nullptr);
  EXPECT_EQ(s.config().noise_sigma, 0.0);
}

TEST(LensingSimulator, UnphysicalThetaIsRefusedByName) {
  const Task task = make_lensing_task();
  const Eigen::VectorXd good = theta_of(1.0, 0.8, 0.5, 0, 0, 0, 0, 0.3, 1, 1, 0, 3);
  struct Case {
    int index;
    double value;
    const char* message;
  };
  for (const Case& c : {Case{0, -0.5, "theta_E = -0.5 (theta[0]) must be >= 0"},
                        Case{1, 0.0, "q = 0 (theta[1]) must be in [1e-6, 1]"},
                        Case{1, 1.2, "q = 1.2 (theta[1]) must be in [1e-6, 1]"},
                        Case{2, NAN, "phi = nan (theta[2]) must be finite"},
                        Case{1, NAN, "q = nan (theta[1]) must be finite"},
                        Case{7, 0.0, "src_reff = 0 (theta[7]) must be > 0"},
                        Case{8, 0.0, "src_n = 0 (theta[8]) must be in (0, 20]"},
                        Case{9, -1.0, "src_q = -1 (theta[9]) must be in (0, 1]"},
                        Case{11, -2.0, "src_amp = -2 (theta[11]) must be >= 0"},
                        Case{5, INFINITY, "src_x = inf (theta[5]) must be finite"}}) {
    Eigen::VectorXd theta = good;
    theta[c.index] = c.value;
    core::Rng rng(0);
    Eigen::VectorXd x(task.simulator->x_dim());
    const std::string message = error_message([&] { task.simulator->simulate(theta, &rng, x); });
    EXPECT_NE(message.find(std::string("StrongLensing::simulate: ") + c.message), std::string::npos)
        << message;
  }
  Eigen::VectorXd x(10);
  core::Rng rng(0);
  EXPECT_NE(error_message([&] {
              task.simulator->simulate(good, &rng, x);
            }).find("x has 10 entries, expected 2304"),
            std::string::npos);
}

TEST(LensingSimulator, BadOptionsAndInstrumentFilesGiveClearErrors) {
  auto message = [](const std::map<std::string, std::string>& params,
                    const DatasetReader& reader = {}) {
    return error_message([&] { make_task("lensing", params, reader); });
  };
  EXPECT_NE(message({{"npix", "0"}}).find("lensing parameter npix = '0' is not an integer"),
            std::string::npos);
  EXPECT_NE(message({{"supersample", "40"}})
                .find("make_task: lensing: supersample = 40 must be in [1, 32]"),
            std::string::npos);
  EXPECT_NE(message({{"psf_size", "20"}}).find("psf_size = 20 must be odd"), std::string::npos);
  EXPECT_NE(message({{"npix", "4096"}, {"supersample", "32"}})
                .find("RayGrid: npix = 4096 and supersample = 32 make 1.71799e+10 rays, 2^31 or "
                      "more"),
            std::string::npos);
  EXPECT_NE(message({{"psf_fwhm", "-0.1"}}).find("psf_fwhm = -0.1 must be finite and >= 0"),
            std::string::npos);
  EXPECT_NE(message({{"noise_sigma", "nan"}}).find("noise_sigma = 'nan' is not a finite number"),
            std::string::npos);
  EXPECT_NE(message({{"poisson", "2"}}).find("poisson = '2' is not 0 or 1"), std::string::npos);
  EXPECT_NE(message({{"psf_file", "psf.h5"}})
                .find("lensing parameter psf_file = 'psf.h5' needs a file reader"),
            std::string::npos);
  EXPECT_NE(message({{"psf_file", "psf.h5"}, {"psf_fwhm", "0.1"}})
                .find("psf_file and psf_fwhm exclude each other"),
            std::string::npos);
  EXPECT_NE(message({{"noise_file", "n.h5"}, {"noise_sigma", "0.1"}})
                .find("noise_file and noise_sigma exclude"),
            std::string::npos);

  // A stand-in for the HDF5 reader that apps/ passes: datasets by (file, name).
  std::map<std::string, Eigen::MatrixXd> files;
  const DatasetReader reader = [&](const std::string& path, const std::string& dataset) {
    const auto it = files.find(path + ":" + dataset);
    if (it == files.end()) throw core::Error("read_array: no " + dataset + " in " + path);
    return it->second;
  };
  files["even.h5:/psf"] = Eigen::MatrixXd::Constant(4, 4, 1.0 / 16);
  Eigen::MatrixXd nan_psf = Eigen::MatrixXd::Constant(5, 5, 0.04);
  nan_psf(1, 2) = NAN;
  files["nan.h5:/psf"] = nan_psf;
  files["neg.h5:/psf"] = -Eigen::MatrixXd::Ones(3, 3);
  files["small.h5:/noise_map"] = Eigen::MatrixXd::Constant(40, 48, 0.1);
  Eigen::MatrixXd negative_noise = Eigen::MatrixXd::Constant(48, 48, 0.1);
  negative_noise(7, 9) = -1;
  files["negnoise.h5:/noise_map"] = negative_noise;
  EXPECT_NE(message({{"psf_file", "even.h5"}}, reader)
                .find("make_task: lensing: psf_file even.h5: /psf is 4 x 4, must be square with an "
                      "odd side"),
            std::string::npos);
  EXPECT_NE(message({{"psf_file", "nan.h5"}}, reader)
                .find("psf_file nan.h5: /psf has a non-finite value at row 1, column 2"),
            std::string::npos);
  EXPECT_NE(
      message({{"psf_file", "neg.h5"}}, reader).find("psf_file neg.h5: /psf has a negative value"),
      std::string::npos);
  EXPECT_NE(message({{"psf_file", "missing.h5"}}, reader).find("read_array: no /psf in missing.h5"),
            std::string::npos);
  EXPECT_NE(message({{"noise_file", "small.h5"}}, reader)
                .find("make_task: lensing: noise_file small.h5: /noise_map is 40 x 48, must be "
                      "npix x npix = 48 x 48"),
            std::string::npos);
  EXPECT_NE(message({{"noise_file", "negnoise.h5"}}, reader)
                .find("noise_file negnoise.h5: /noise_map has -1 at row 7, column 9; sigma must be "
                      "finite and >= 0"),
            std::string::npos);

  // Good files: a lopsided PSF image (normalised on the way in, convolved by FFT or directly)
  // and a noise map.
  Eigen::MatrixXd psf = Eigen::MatrixXd::Zero(9, 9);
  psf(4, 4) = 2;
  psf(4, 6) = 1;  // a faint companion two columns to the right
  files["good.h5:/psf"] = psf;
  files["good.h5:/noise_map"] = Eigen::MatrixXd::Constant(48, 48, 0.25);
  const Task task =
      make_task("lensing", {{"psf_file", "good.h5"}, {"noise_file", "good.h5"}}, reader);
  const auto& sim = static_cast<const StrongLensing&>(*task.simulator);
  ASSERT_NE(sim.convolver(), nullptr);
  EXPECT_NEAR(sim.convolver()->psf().kernel()(4, 6), 1.0 / 3, 1e-16);
  EXPECT_EQ(sim.config().noise_map(10, 10), 0.25);
}

}  // namespace
}  // namespace sbi::simulators
