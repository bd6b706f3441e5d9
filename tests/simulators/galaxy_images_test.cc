// The `galaxy_images` task: flux of the rendered Sérsic profile against its closed form, flux
// conservation by the PSF and by the substructure, the noise σ, the task's shape through
// simulate_from_prior, reproducibility across threads, and the checks on θ and options.
#include "simulators/galaxy_images.h"

#include <gtest/gtest.h>

#include <boost/math/special_functions/gamma.hpp>
#include <cmath>
#include <vector>

#include "simulators/batch.h"
#include "simulators/lensing/sersic.h"
#include "simulators/registry.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators {
namespace {

using testing::error_message;

// Statistical checks allow 5 standard errors: a false alarm has probability ~6e-7 per check.
constexpr double kSigmas = 5.0;

GalaxyImageConfig noiseless(int npix, double pixel_scale, int supersample, double psf_fwhm = 0) {
  GalaxyImageConfig c;
  c.npix = npix;
  c.pixel_scale = pixel_scale;
  c.supersample = supersample;
  c.psf_fwhm = psf_fwhm;
  c.noise_sigma = 0;
  return c;
}

// flux, bulge_frac, bulge_n, bulge_reff, disk_reff, q, phi, x0, y0, sub_amp, pitch
Eigen::VectorXd theta_of(double flux, double bt, double n_b, double r_b, double r_d, double q,
                         double phi, double x0, double y0, double sub_amp, double pitch) {
  Eigen::VectorXd t(GalaxyImages::kThetaDim);
  t << flux, bt, n_b, r_b, r_d, q, phi, x0, y0, sub_amp, pitch;
  return t;
}

Eigen::VectorXd typical_theta() {
  return theta_of(60, 0.3, 3, 0.3, 1.0, 0.6, 0.7, 0.05, -0.1, 0.3, 0.3);
}

// 2π n q R_e² e^(b_n) b_n^(-2n) Γ(2n) I_e (Graham & Driver 2005, eq. 4, times q), written out
// here rather than taken from Sersic::total_flux.
double sersic_flux(double amplitude, double r_eff, double n, double q) {
  const double b = lensing::sersic_b(n);
  return 2 * M_PI * n * q * r_eff * r_eff * std::exp(b) * std::pow(b, -2 * n) *
         std::tgamma(2 * n) * amplitude;
}

// The fraction of a Sérsic profile's light inside the isophote R (Graham & Driver eq. 2):
// P(2n, b_n (R / R_e)^(1/n)), P the regularised lower incomplete gamma function.
double enclosed_fraction(double radius, double r_eff, double n) {
  return boost::math::gamma_p(2 * n, lensing::sersic_b(n) * std::pow(radius / r_eff, 1 / n));
}

// The light of an elliptical profile (semi-major axis along φ, axis ratio q, centre (x0, y0))
// that a square field of half-width L holds lies between the light inside the largest isophote
// within the field, R_in, and inside the smallest one around it, R_out (through the farthest
// corner): bounds for the truncation by the image's edge.
struct Isophotes {
  double inner, outer;
};
Isophotes field_isophotes(double half_width, double q, double phi, double x0, double y0) {
  const double c = std::cos(phi), s = std::sin(phi);
  // The ellipse R = a reaches a sqrt(c² + q² s²) along x and a sqrt(s² + q² c²) along y.
  const double inner = std::min((half_width - std::fabs(x0)) / std::sqrt(c * c + q * q * s * s),
                                (half_width - std::fabs(y0)) / std::sqrt(s * s + q * q * c * c));
  double outer = 0;
  for (double x : {-half_width, half_width})
    for (double y : {-half_width, half_width}) {
      const double u = c * (x - x0) + s * (y - y0), v = -s * (x - x0) + c * (y - y0);
      outer = std::max(outer, std::sqrt(u * u + v * v / (q * q)));
    }
  return {inner, outer};
}

TEST(GalaxyImages, RenderedSersicFluxMatchesTheClosedForm) {
  // A 25.6" field (128 pixels of 0.2"), 4 x 4 samples per pixel: sample spacing h = 0.05",
  // refined around the centre (render()). The field truncates the profile: the sum is
  // compared with the closed-form flux times the light inside the field's inner and outer
  // isophotes (field_isophotes; for n = 4 that is 1 - 3.5% of the light, for n = 1 < 1e-6).
  // The midpoint rule's error per cell is (size²/24) ∫ ∇²I; on a uniform grid it sums to a
  // boundary term (~0), and the refinement leaves the part from the refined disc of radius
  // ~2h, of relative size ~(h/a)³/6 with a = R_e / b_n^n the profile's inner scale length
  // (an exponential's a = R_e / 1.678: 1e-4 for R_e = 1"; the steeper n = 2.5, 4 profiles
  // have smaller a but hold less light at r ~ 2h). Tolerances: 3e-4 for n = 1, 1e-3 above.
  const GalaxyImages sim(noiseless(128, 0.2, 4));
  Eigen::VectorXd image(sim.x_dim());
  struct Case {
    double amplitude, r_eff, n, q, phi, tolerance;
  };
  const double x0 = 0.03, y0 = -0.07;
  for (const Case& c : {Case{2.0, 1.0, 1.0, 0.7, 0.4, 3e-4}, Case{0.5, 1.2, 4.0, 0.8, 2.0, 1e-3},
                        Case{1.0, 0.8, 2.5, 0.4, 1.0, 1e-3}}) {
    const lensing::Sersic sersic(c.amplitude, c.r_eff, c.n, c.q, c.phi, x0, y0);
    sim.render(sersic, image, {{x0, y0}});
    const double total = sersic_flux(c.amplitude, c.r_eff, c.n, c.q);
    EXPECT_NEAR(sersic.total_flux() / total, 1.0, 1e-12) << "n = " << c.n;
    const Isophotes iso = field_isophotes(12.8, c.q, c.phi, x0, y0);
    const double low = total * enclosed_fraction(iso.inner, c.r_eff, c.n),
                 high = total * enclosed_fraction(iso.outer, c.r_eff, c.n);
    EXPECT_GE(image.sum(), low * (1 - c.tolerance)) << "n = " << c.n << ", R_e = " << c.r_eff;
    EXPECT_LE(image.sum(), high * (1 + c.tolerance)) << "n = " << c.n << ", R_e = " << c.r_eff;
  }
}

TEST(GalaxyImages, PsfConvolutionConservesFlux) {
  // The kernel is non-negative and sums to 1, and the image is zero-padded: the PSF keeps all
  // the light except what it scatters off the field, which is at most the light within the
  // kernel's half-width k of the edge. On an image whose band of width k is empty it keeps
  // the flux to rounding.
  for (double fwhm : {0.4, 1.0}) {
    const GalaxyImages sharp(noiseless(64, 0.2, 3));
    const GalaxyImages blurred(noiseless(64, 0.2, 3, fwhm));
    ASSERT_NE(blurred.convolver(), nullptr);
    ASSERT_EQ(sharp.convolver(), nullptr);
    Eigen::VectorXd a(sharp.x_dim()), b(blurred.x_dim());
    core::Rng ra(5), rb(5);  // the same substructure
    sharp.noiseless_image(typical_theta(), &ra, a);
    blurred.noiseless_image(typical_theta(), &rb, b);
    const int k = blurred.convolver()->psf().size() / 2;
    Eigen::Map<Eigen::MatrixXd> square(a.data(), 64, 64);
    const double band = a.sum() - square.block(k, k, 64 - 2 * k, 64 - 2 * k).sum();
    EXPECT_GT(band, 0.0);
    EXPECT_LE(a.sum() - b.sum(), band * (1 + 1e-12)) << fwhm;
    EXPECT_GE(a.sum() - b.sum(), -1e-12 * a.sum()) << fwhm;
    EXPECT_LT(b.maxCoeff(), a.maxCoeff());  // blurred

    Eigen::VectorXd inner = Eigen::VectorXd::Zero(64 * 64);
    Eigen::Map<Eigen::MatrixXd>(inner.data(), 64, 64).block(k, k, 64 - 2 * k, 64 - 2 * k) =
        square.block(k, k, 64 - 2 * k, 64 - 2 * k);
    const double before = inner.sum();
    blurred.convolver()->apply(inner.data());
    EXPECT_NEAR(inner.sum() / before, 1.0, 1e-12) << fwhm;
  }
}

TEST(GalaxyImages, ImagesSumToTheFluxForEverySubstructure) {
  // The arms' cosine has azimuthal mean 0 and the clumps take their light from the disk, so
  // each kind keeps the total flux θ[0] up to the truncation by the 19.2" field (< 1e-4 here)
  // and the grid's midpoint error, which is largest for the compact bulge (n = 3, R_e = 0.3",
  // 30% of the light, sampled at h = 0.05": (h/a)³/6 with a = R_e / b_3³ ≈ 0.0016" is no
  // longer small, and the direct check of RenderedSersicFluxMatchesTheClosedForm's grid on
  // such a bulge gives 0.4% of its flux): tolerance 3e-3 of the total.
  for (const char* kind : {"clumps", "arms"}) {
    GalaxyImageConfig config = noiseless(96, 0.2, 4, 0.4);
    ASSERT_TRUE(parse_galaxy_substructure(kind, &config.substructure));
    const GalaxyImages sim(config);
    Eigen::VectorXd image(sim.x_dim());
    for (std::uint64_t seed = 0; seed < 3; ++seed) {
      core::Rng rng(seed);
      sim.noiseless_image(typical_theta(), &rng, image);
      EXPECT_NEAR(image.sum() / 60.0, 1.0, 3e-3) << kind << " seed " << seed;
      EXPECT_GE(image.minCoeff(), -1e-12) << kind;
    }
  }
}

TEST(GalaxyImages, GaussianNoiseHasTheRequestedSigma) {
  // 20 images x 2304 pixels = 46080 residuals: the standard error of their mean is σ/sqrt(N),
  // of their standard deviation σ/sqrt(2N) (0.33% of σ).
  const Task task = make_galaxy_images_task();
  const auto& sim = static_cast<const GalaxyImages&>(*task.simulator);
  const double sigma = sim.config().noise_sigma;
  EXPECT_EQ(sigma, 0.02);
  double sum = 0, sum2 = 0;
  const int images = 20;
  for (int k = 0; k < images; ++k) {
    // The noise-free image from a copy of the Rng: simulate() draws the latents first.
    core::Rng rng(100 + k), copy = rng;
    Eigen::VectorXd x(sim.x_dim()), clean(sim.x_dim());
    sim.noiseless_image(typical_theta(), &copy, clean);
    sim.simulate(typical_theta(), &rng, x);
    const Eigen::VectorXd res = x - clean;
    sum += res.sum();
    sum2 += res.squaredNorm();
  }
  const double n = images * 2304.0, mean = sum / n, sd = std::sqrt(sum2 / n - mean * mean);
  EXPECT_NEAR(mean, 0.0, kSigmas * sigma / std::sqrt(n));
  EXPECT_NEAR(sd, sigma, kSigmas * sigma / std::sqrt(2 * n));

  // noise_sigma = 0: simulate() is the noise-free image.
  const Task clean_task = make_task("galaxy_images", {{"noise_sigma", "0"}});
  core::Rng a(3), b(3);
  Eigen::VectorXd x(2304), clean(2304);
  clean_task.simulator->simulate(typical_theta(), &a, x);
  static_cast<const GalaxyImages&>(*clean_task.simulator).noiseless_image(typical_theta(), &b,
                                                                          clean);
  EXPECT_EQ(x, clean);
}

TEST(GalaxyImages, TaskShapeNamesAndPriorThroughSimulateFromPrior) {
  const Task task = make_task("galaxy_images");
  const Simulator& sim = *task.simulator;
  EXPECT_EQ(sim.name(), "galaxy_images");
  EXPECT_EQ(sim.theta_dim(), 11);
  EXPECT_EQ(sim.x_dim(), 48 * 48);
  EXPECT_EQ(sim.x_shape(), core::DataShape::image(48, 48));
  EXPECT_EQ(sim.parameter_names(),
            (std::vector<std::string>{"flux", "bulge_frac", "bulge_n", "bulge_reff", "disk_reff",
                                      "q", "phi", "x0", "y0", "sub_amp", "pitch"}));
  EXPECT_EQ(sim.data_names()[48 + 2], "pixel_1_2");
  EXPECT_EQ(task.prior.to_string(),
            "loguniform(20,200),uniform(0,1),uniform(2,5),uniform(0.15,0.5),uniform(0.6,1.5),"
            "uniform(0.3,1),uniform(0,3.141592653589793),uniform(-0.2,0.2)*2,uniform(0,0.5),"
            "uniform(0.2,0.5)");
  // The default instrument: 0.4" FWHM = 2 pixels, σ = 0.85 pixels, a 9 x 9 separable kernel.
  const auto& g = static_cast<const GalaxyImages&>(sim);
  ASSERT_NE(g.convolver(), nullptr);
  EXPECT_EQ(g.convolver()->psf().size(), 9);
  EXPECT_EQ(g.convolver()->method(), lensing::ConvolutionMethod::kSeparable);
  EXPECT_EQ(g.grid().supersample(), 3);
  EXPECT_EQ(g.config().substructure, GalaxySubstructure::kMixed);

  SimulateOptions options;
  options.seed = 4;
  options.threads = 1;
  const SimulationBatch batch = simulate_from_prior(task, 12, options);
  ASSERT_EQ(batch.theta.rows(), 11);
  ASSERT_EQ(batch.x.rows(), 48 * 48);
  ASSERT_EQ(batch.x.cols(), 12);
  for (int i = 0; i < 12; ++i) {
    EXPECT_TRUE(task.prior.in_support(batch.theta.col(i)));
    // Centrally concentrated: the brightest pixel lies within 4 pixels of the centre (the
    // centre offset is at most 1 pixel, the clumps hold at most half the disk's light) and
    // stands far above the noise.
    Eigen::Index at = 0;
    const double peak = batch.x.col(i).maxCoeff(&at);
    const int r = static_cast<int>(at) / 48, c = static_cast<int>(at) % 48;
    EXPECT_LE(std::hypot(r - 23.5, c - 23.5), 4.0) << i;
    EXPECT_GT(peak, 10 * 0.02) << i;
  }

  const Task small = make_task("galaxy_images", {{"npix", "32"},
                                                 {"pixel_scale", "0.3"},
                                                 {"supersample", "2"},
                                                 {"psf_fwhm", "0"},
                                                 {"noise_sigma", "0"},
                                                 {"substructure", "arms"}});
  const auto& s = static_cast<const GalaxyImages&>(*small.simulator);
  EXPECT_EQ(s.x_shape(), core::DataShape::image(32, 32));
  EXPECT_EQ(s.grid().supersample(), 2);
  EXPECT_EQ(s.convolver(), nullptr);
  EXPECT_EQ(s.config().substructure, GalaxySubstructure::kArms);
}

TEST(GalaxyImages, SameImagesForOneAndTwoThreads) {
  const Task task = make_galaxy_images_task();
  SimulateOptions one, two;
  one.seed = two.seed = 9;
  one.threads = 1;
  two.threads = 2;
  const SimulationBatch a = simulate_from_prior(task, 64, one);
  const SimulationBatch b = simulate_from_prior(task, 64, two);
  EXPECT_TRUE(a.theta == b.theta);
  EXPECT_TRUE(a.x == b.x);
  EXPECT_TRUE(a.x.allFinite());
  // Sample i is the prior draw then the simulation on Rng(seed, i).
  core::Rng rng(9, 37);
  Eigen::VectorXd theta(11), x(task.simulator->x_dim());
  task.prior.sample(&rng, theta);
  task.simulator->simulate(theta, &rng, x);
  EXPECT_EQ(x, a.x.col(37));
  one.seed = 10;
  EXPECT_FALSE(simulate_from_prior(task, 5, one).x == a.x.leftCols(5));
}

TEST(GalaxyImages, SubstructureKindsDiffer) {
  // Same θ and seed: clumps and arms give different images; mixed gives one of the two.
  const Eigen::VectorXd theta = typical_theta();
  std::vector<Eigen::VectorXd> images;
  for (const char* kind : {"clumps", "arms"}) {
    GalaxyImageConfig config = noiseless(48, 0.2, 3, 0.4);
    ASSERT_TRUE(parse_galaxy_substructure(kind, &config.substructure));
    Eigen::VectorXd x(48 * 48);
    core::Rng rng(1);
    GalaxyImages(config).noiseless_image(theta, &rng, x);
    images.push_back(x);
  }
  EXPECT_GT((images[0] - images[1]).cwiseAbs().maxCoeff(), 1e-3);
  int clumps = 0, arms = 0;
  const GalaxyImages mixed(noiseless(48, 0.2, 3, 0.4));
  for (std::uint64_t seed = 0; seed < 40; ++seed) {
    core::Rng rng(seed), draw(seed);
    Eigen::VectorXd x(48 * 48);
    mixed.noiseless_image(theta, &rng, x);
    (draw.uniform() >= 0.5 ? arms : clumps) += 1;
  }
  // 40 fair coin flips: both kinds appear (probability of one kind only: 2^-39).
  EXPECT_GT(clumps, 0);
  EXPECT_GT(arms, 0);
}

TEST(GalaxyImages, UnphysicalThetaIsRefusedByName) {
  const Task task = make_galaxy_images_task();
  struct Case {
    int index;
    double value;
    const char* message;
  };
  for (const Case& c : {Case{0, -1.0, "flux = -1 (theta[0]) must be >= 0"},
                        Case{1, 1.5, "bulge_frac = 1.5 (theta[1]) must be in [0, 1]"},
                        Case{2, 0.0, "bulge_n = 0 (theta[2]) must be in (0, 20]"},
                        Case{3, 0.0, "bulge_reff = 0 (theta[3]) must be > 0"},
                        Case{4, -1.0, "disk_reff = -1 (theta[4]) must be > 0"},
                        Case{5, 0.0, "q = 0 (theta[5]) must be in (0, 1]"},
                        Case{6, NAN, "phi = nan (theta[6]) must be finite"},
                        Case{8, INFINITY, "y0 = inf (theta[8]) must be finite"},
                        Case{9, -0.1, "sub_amp = -0.1 (theta[9]) must be in [0, 1]"},
                        Case{10, 2.0, "pitch = 2 (theta[10]) must be in (0, pi/2)"}}) {
    Eigen::VectorXd theta = typical_theta();
    theta[c.index] = c.value;
    core::Rng rng(0);
    Eigen::VectorXd x(task.simulator->x_dim());
    const std::string message = error_message([&] { task.simulator->simulate(theta, &rng, x); });
    EXPECT_NE(message.find(std::string("GalaxyImages::simulate: ") + c.message), std::string::npos)
        << message;
  }
  Eigen::VectorXd x(10);
  core::Rng rng(0);
  EXPECT_NE(error_message([&] {
              task.simulator->simulate(typical_theta(), &rng, x);
            }).find("x has 10 entries, expected 2304"),
            std::string::npos);
}

TEST(GalaxyImages, BadParametersGiveClearErrors) {
  auto message = [](const std::map<std::string, std::string>& params) {
    return error_message([&] { make_task("galaxy_images", params); });
  };
  EXPECT_NE(message({{"npix", "0"}}).find("galaxy_images parameter npix = '0' is not an integer"),
            std::string::npos);
  EXPECT_NE(message({{"npix", "5000"}}).find("make_task: galaxy_images: npix = 5000 must be in "
                                             "[1, 4096]"),
            std::string::npos);
  EXPECT_NE(message({{"supersample", "40"}})
                .find("make_task: galaxy_images: supersample = 40 must be in [1, 32]"),
            std::string::npos);
  EXPECT_NE(message({{"pixel_scale", "-0.2"}})
                .find("make_task: galaxy_images: pixel_scale = -0.2 must be finite and > 0"),
            std::string::npos);
  EXPECT_NE(message({{"psf_fwhm", "-0.1"}}).find("psf_fwhm = -0.1 must be finite and >= 0"),
            std::string::npos);
  EXPECT_NE(message({{"psf_fwhm", "20"}}).find("psf_fwhm = 20 is 100 pixels; its kernel"),
            std::string::npos);
  EXPECT_NE(
      message({{"noise_sigma", "nan"}}).find("noise_sigma = 'nan' is not a finite number"),
      std::string::npos);
  EXPECT_NE(message({{"noise_sigma", "-1"}}).find("noise_sigma = -1 must be finite and >= 0"),
            std::string::npos);
  EXPECT_NE(message({{"substructure", "bars"}})
                .find("galaxy_images parameter substructure = 'bars' is not clumps, arms or mixed"),
            std::string::npos);
  EXPECT_NE(message({{"psf_size", "9"}})
                .find("task galaxy_images has no parameter 'psf_size'; accepted: noise_sigma, "
                      "npix, pixel_scale, psf_fwhm, substructure, supersample"),
            std::string::npos);
  EXPECT_NE(error_message([] { GalaxyImages(noiseless(4096, 0.2, 32)); })
                .find("GalaxyImages: GalaxyImageConfig::npix = 4096 and supersample = 32 make "
                      "1.71799e+10 samples per image, 2^31 or more"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators
