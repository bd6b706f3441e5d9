// The lens fit (sbi/lens_fit.h) and its model image (sbi/lens_fit_model.h): the differentiated
// image is bitwise the simulator's, its derivatives match finite differences for all 12
// parameters, the fit recovers θ within its reported uncertainties with a χ² that follows the
// chi-square distribution, and bad inputs give one clear error each.
#include <gtest/gtest.h>

#include <boost/math/distributions/chi_squared.hpp>
#include <cmath>
#include <string>
#include <vector>

#include <Eigen/Cholesky>

#include "core/error.h"
#include "sbi/lens_fit.h"
#include "sbi/lens_fit_model.h"

namespace sbi {
namespace {

using simulators::LensingConfig;
using simulators::StrongLensing;

Eigen::VectorXd theta_of(std::vector<double> v) {
  return Eigen::Map<const Eigen::VectorXd>(v.data(), static_cast<long>(v.size()));
}

// Small cut-outs (fast, also under the sanitizers) with the Einstein ring inside the field.
LensingConfig gaussian_psf_config() {
  LensingConfig c;
  c.npix = 24;
  c.pixel_scale = 0.2;
  c.supersample = 2;
  c.psf_fwhm = 0.3;
  c.psf_size = 7;  // a separable Gaussian
  c.noise_sigma = 0.2;
  return c;
}

// A lopsided 15 x 15 PSF image (convolved by FFT, chosen by the cost model for this size) and a
// noise map rising from left to right; odd supersampling, even npix (no ray at the lens centre).
LensingConfig instrument_config() {
  LensingConfig c;
  c.npix = 20;
  c.pixel_scale = 0.25;
  c.supersample = 3;
  c.psf_image = Eigen::MatrixXd::Zero(15, 15);
  for (int i = 0; i < 15; ++i)
    for (int j = 0; j < 15; ++j)
      c.psf_image(i, j) = std::exp(-0.5 * ((i - 7) * (i - 7) / 2.0 + (j - 8) * (j - 8) / 5.0)) +
                          (i == 7 && j == 10 ? 0.3 : 0.0);
  c.noise_map.resize(20, 20);
  for (int r = 0; r < 20; ++r)
    for (int col = 0; col < 20; ++col) c.noise_map(r, col) = 0.1 + 0.01 * col;
  return c;
}

LensingConfig without_noise(LensingConfig c) {
  c.noise_sigma = 0;
  c.noise_map.resize(0, 0);
  return c;
}

// Points inside the default prior: an elongated lens, a round one, q = 1 exactly (the SIS,
// on the bound) and q just below 1 (the SIE's series branch).
const std::vector<Eigen::VectorXd>& test_points() {
  static const std::vector<Eigen::VectorXd> points = {
      theta_of({1.1, 0.7, 0.6, 0.04, -0.03, 0.08, -0.05, 0.3, 1.5, 0.7, 2.0, 4.0}),
      theta_of({0.8, 0.9, 2.3, -0.06, 0.05, -0.12, 0.1, 0.2, 0.8, 0.55, 0.4, 7.0}),
      theta_of({1.3, 1.0, 1.0, 0.02, 0.07, 0.05, 0.15, 0.4, 0.5, 0.9, 1.2, 2.5}),
      theta_of({1.0, 0.99999, 0.3, 0.0, 0.0, -0.2, -0.1, 0.25, 1.0, 1.0, 0.0, 5.0}),
  };
  return points;
}

TEST(LensFitModel, ImageIsTheSimulatorsNoiseFreeImage) {
  // The double path is the simulator's own (bitwise). The value part of the differentiated
  // image runs the same templated code with the same double kernels (scalar_math.h), so it
  // differs only where the compiler fuses a * b + c into one rounding differently in the two
  // instantiations (-ffp-contract=fast, GCC's default for C++): a few ulp of the pixels'
  // magnitudes. Tolerance: 1e-14 of the image's largest pixel.
  for (const LensingConfig& config : {gaussian_psf_config(), instrument_config()}) {
    const StrongLensing noisy(config), clean(without_noise(config));
    const LensImageModel model(noisy);
    for (const Eigen::VectorXd& theta : test_points()) {
      core::Rng rng(1);
      Eigen::VectorXd simulated(clean.x_dim()), image(clean.x_dim()), plain(clean.x_dim());
      clean.simulate(theta, &rng, simulated);  // noise_sigma = 0: the noise-free image
      Eigen::MatrixXd jacobian(clean.x_dim(), 12);
      model.image_and_jacobian(theta, image, jacobian);
      model.image(theta.data(), plain.data());
      const double peak = simulated.cwiseAbs().maxCoeff();
      EXPECT_GT(peak, 0.5);  // an image, not an empty field
      for (int p = 0; p < clean.x_dim(); ++p) ASSERT_EQ(plain[p], simulated[p]) << "pixel " << p;
      EXPECT_LE((image - simulated).cwiseAbs().maxCoeff(), 1e-14 * peak)
          << "theta " << theta.transpose();
    }
  }
}

// ∂image/∂θ_i by fourth-order differences with step h: central,
//   (8 (f(θ+h) - f(θ-h)) - (f(θ+2h) - f(θ-2h))) / 12h,
// or, for an axis ratio at or near its bound 1 (q > 1 is unphysical), backward,
//   (25 f(θ) - 48 f(θ-h) + 36 f(θ-2h) - 16 f(θ-3h) + 3 f(θ-4h)) / 12h.
Eigen::VectorXd finite_difference(const LensImageModel& model, const Eigen::VectorXd& theta,
                                  int i, double h, bool backward) {
  auto f = [&](double step) {
    Eigen::VectorXd t = theta, out(model.num_pixels());
    t[i] += step;
    model.image(t.data(), out.data());
    return out;
  };
  if (backward)
    return (25 * f(0) - 48 * f(-h) + 36 * f(-2 * h) - 16 * f(-3 * h) + 3 * f(-4 * h)) / (12 * h);
  return (8 * (f(h) - f(-h)) - (f(2 * h) - f(-2 * h))) / (12 * h);
}

TEST(LensFitModel, JacobianMatchesFiniteDifferencesForAllParameters) {
  // Steps h_i = 1e-4 x the prior width of θ_i. The stencils' truncation error is
  // ~h⁴ |f⁽⁵⁾|; it is largest for steep Sérsic profiles (n large), and was measured to fall as
  // h⁴ from h = 1e-2 to 1e-4 widths, reaching 4e-9 of a column's largest entry for n = 4 at
  // 1e-4 (8e-10 for the n = 1.5 here). The rounding of the image (~1e-15 of its peak, the
  // kernels of vector_math.h) enters divided by h and times the stencil's weights (|w| sums to
  // 18/12 centred, 128/12 backward): below 1e-14 peak / h. Tolerance: 1e-7 of the column's
  // largest entry plus that rounding bound (which matters only for the nearly flat φ column at
  // q = 0.99999), far below what a mistake in a formula gives (a wrong factor, sign or term
  // changes a column by O(1) of its scale).
  // Points 2 and 3 have q = 1 (the SIS) and q = 0.99999 (the SIE's series branch, whose
  // backward stencil spans the switch to the closed form at q = 0.99995); with q = 1 the image
  // does not depend on φ, nor on src_phi with src_q = 1: those columns must vanish.
  const Eigen::VectorXd width = simulators::lensing_prior().upper() -
                                simulators::lensing_prior().lower();
  const std::vector<std::string> names = StrongLensing().parameter_names();
  for (const LensingConfig& config : {gaussian_psf_config(), instrument_config()}) {
    const StrongLensing lensing(config);
    const LensImageModel model(lensing);
    for (const Eigen::VectorXd& theta : test_points()) {
      Eigen::VectorXd image(model.num_pixels());
      Eigen::MatrixXd jacobian(model.num_pixels(), 12);
      model.image_and_jacobian(theta, image, jacobian);
      ASSERT_TRUE(jacobian.allFinite());
      for (int i = 0; i < 12; ++i) {
        const double scale = jacobian.col(i).cwiseAbs().maxCoeff();
        if ((i == 2 && theta[1] == 1) || (i == 10 && theta[9] == 1)) {
          EXPECT_LT(scale, 1e-13 * image.cwiseAbs().maxCoeff()) << names[i];
          continue;
        }
        ASSERT_GT(scale, 0) << names[i];
        const double h = 1e-4 * width[i];
        const bool backward = (i == 1 || i == 9) && theta[i] + 2 * h > 1;
        const Eigen::VectorXd fd = finite_difference(model, theta, i, h, backward);
        const double error = (jacobian.col(i) - fd).cwiseAbs().maxCoeff();
        EXPECT_LT(error, 1e-7 * scale + 1e-14 * image.cwiseAbs().maxCoeff() / h) << names[i] << " at " << theta.transpose()
                                       << ": max |J - FD| " << error << ", column scale " << scale;
      }
    }
  }
}

// The truth, and a start displaced from it by 4% of each prior width (alternating signs).
Eigen::VectorXd perturbed(const Eigen::VectorXd& truth) {
  const Eigen::VectorXd width = simulators::lensing_prior().upper() -
                                simulators::lensing_prior().lower();
  Eigen::VectorXd start = truth;
  for (int i = 0; i < 12; ++i) start[i] += (i % 2 ? -0.04 : 0.04) * width[i];
  return start;
}

Eigen::VectorXd simulate(const StrongLensing& lensing, const Eigen::VectorXd& theta,
                         std::uint64_t seed) {
  core::Rng rng(seed);
  Eigen::VectorXd x(lensing.x_dim());
  lensing.simulate(theta, &rng, x);
  return x;
}

// The central 99.9% interval of the chi-square distribution with k degrees of freedom.
std::pair<double, double> chi_square_interval(double k) {
  const boost::math::chi_squared dist(k);
  return {boost::math::quantile(dist, 0.0005), boost::math::quantile(dist, 0.9995)};
}

TEST(LensFit, RecoversThetaWithinItsUncertaintiesWithAChiSquareOfItsDof) {
  // One noisy image per instrument (Gaussian PSF and uniform noise; a PSF image, a noise map
  // and a mask hiding a corner), started 4% of the prior widths away. At this signal-to-noise
  // the fit is in its linear regime: θ̂ - θ ~ N(0, C) and χ² ~ chi-square(dof). Each of the 12
  // parameters must lie within 3σ (each such check fails with probability 0.27% for a
  // calibrated C) and χ² inside the 99.9% interval of its distribution.
  const Eigen::VectorXd truth = test_points()[0];
  for (bool instrument : {false, true}) {
    const LensingConfig config = instrument ? instrument_config() : gaussian_psf_config();
    const StrongLensing lensing(config);
    const int npix = config.npix;
    Eigen::VectorXd mask;
    if (instrument) {  // hide the top-right 6 x 6 corner
      mask = Eigen::VectorXd::Ones(npix * npix);
      for (int r = npix - 6; r < npix; ++r)
        for (int c = npix - 6; c < npix; ++c) mask[r * npix + c] = 0;
    }
    const Eigen::VectorXd x = simulate(lensing, truth, 7);
    LensFitSummary s;
    const Eigen::VectorXd fit = fit_lens(lensing, simulators::lensing_prior(), x, mask,
                                         perturbed(truth), LensFitOptions{}, &s);
    SCOPED_TRACE(instrument ? "PSF image, noise map, mask" : "Gaussian PSF");
    EXPECT_TRUE(s.converged) << s.termination << ": " << s.message;
    ASSERT_TRUE(s.covariance_ok) << s.message;
    EXPECT_EQ(s.num_pixels, npix * npix - (instrument ? 36 : 0));
    EXPECT_EQ(s.dof, s.num_pixels - 12);
    EXPECT_DOUBLE_EQ(s.reduced_chi2, s.chi2 / s.dof);
    EXPECT_LT(s.chi2, s.initial_chi2);
    EXPECT_EQ(fit, s.theta);
    EXPECT_GT(s.iterations, 0);
    for (int i = 0; i < 12; ++i) {
      EXPECT_GT(s.sigma[i], 0);
      EXPECT_LT(std::abs(fit[i] - truth[i]), 3 * s.sigma[i])
          << lensing.parameter_names()[i] << ": fit " << fit[i] << ", truth " << truth[i]
          << ", sigma " << s.sigma[i];
      EXPECT_FALSE(s.at_bound[i]);
    }
    const auto [low, high] = chi_square_interval(static_cast<double>(s.dof));
    EXPECT_GT(s.chi2, low);
    EXPECT_LT(s.chi2, high);
    // χ² is the whitened residual sum of the returned model image.
    double chi2 = 0;
    for (int p = 0; p < npix * npix; ++p)
      if (mask.size() == 0 || mask[p] == 1)
        chi2 += std::pow((s.model_image[p] - x[p]) / lensing.pixel_sigma()[p], 2);
    EXPECT_NEAR(s.chi2, chi2, 1e-9 * chi2);
  }
}

TEST(LensFit, CovarianceIsCalibratedOverNoiseRealisations) {
  // K = 10 noise realisations of one lens: for a calibrated covariance, the Mahalanobis
  // distances d_k² = (θ̂_k - θ)ᵀ C_k⁻¹ (θ̂_k - θ) are chi-square(12), so their sum is
  // chi-square(12 K), and the fits' χ² sum to a chi-square(K dof): both must lie in the 99.9%
  // intervals. (A covariance off by a factor 1.5 moves the first sum by ~6 of its standard
  // deviations, sqrt(2 · 120) = 15.5, from 120 to 80 or 180.)
  const StrongLensing lensing(gaussian_psf_config());
  const Eigen::VectorXd truth = test_points()[1];
  constexpr int kRealisations = 10;
  double d2_sum = 0, chi2_sum = 0;
  long dof_sum = 0;
  for (int k = 0; k < kRealisations; ++k) {
    const Eigen::VectorXd x = simulate(lensing, truth, 100 + k);
    LensFitSummary s;
    const Eigen::VectorXd fit = fit_lens(lensing, simulators::lensing_prior(), x, {},
                                         perturbed(truth), LensFitOptions{}, &s);
    ASSERT_TRUE(s.covariance_ok) << s.message;
    const Eigen::VectorXd delta = fit - truth;
    d2_sum += delta.dot(s.covariance.ldlt().solve(delta));
    chi2_sum += s.chi2;
    dof_sum += s.dof;
  }
  const auto [d_low, d_high] = chi_square_interval(12.0 * kRealisations);
  EXPECT_GT(d2_sum, d_low);
  EXPECT_LT(d2_sum, d_high);
  const auto [c_low, c_high] = chi_square_interval(static_cast<double>(dof_sum));
  EXPECT_GT(chi2_sum, c_low);
  EXPECT_LT(chi2_sum, c_high);
}

// The message of the core::Error that fit_lens throws, or "" when it throws none.
std::string fit_error(const StrongLensing& lensing, const Eigen::VectorXd& x,
                      const Eigen::VectorXd& mask, const Eigen::VectorXd& start,
                      const LensFitOptions& options = {}) {
  try {
    LensFitSummary s;
    fit_lens(lensing, simulators::lensing_prior(), x, mask, start, options, &s);
  } catch (const core::Error& e) {
    return e.what();
  }
  return "";
}

TEST(LensFit, RejectsBadInputsWithOneClearError) {
  const StrongLensing lensing(gaussian_psf_config());
  const Eigen::VectorXd truth = test_points()[0];
  const Eigen::VectorXd x = simulate(lensing, truth, 3);
  const int n = lensing.x_dim();
  auto has = [](const std::string& message, const std::string& part) {
    return message.find(part) != std::string::npos;
  };
  // The image: wrong size, NaN.
  EXPECT_TRUE(has(fit_error(lensing, x.head(n - 24), {}, truth),
                  "the observed image has 552 pixels, the model 24 x 24"));
  Eigen::VectorXd nan_x = x;
  nan_x[24 * 3 + 5] = NAN;
  EXPECT_TRUE(has(fit_error(lensing, nan_x, {}, truth),
                  "the observed image has nan at pixel (row 3, column 5)"));
  // The mask: wrong size, not 0/1, too few pixels left.
  EXPECT_TRUE(has(fit_error(lensing, x, Eigen::VectorXd::Ones(10), truth), "the mask has 10 pixels"));
  Eigen::VectorXd mask = Eigen::VectorXd::Ones(n);
  mask[7] = 0.5;
  EXPECT_TRUE(has(fit_error(lensing, x, mask, truth),
                  "the mask has 0.5 at pixel (row 0, column 7); it must be 1 (use) or 0"));
  mask = Eigen::VectorXd::Zero(n);
  mask.head(12).setOnes();
  EXPECT_TRUE(has(fit_error(lensing, x, mask, truth), "12 pixels are used"));
  // The start: unphysical (q <= 0, θ_E < 0), outside the prior, wrong length.
  Eigen::VectorXd start = truth;
  start[1] = 0;
  EXPECT_TRUE(has(fit_error(lensing, x, {}, start), "the start: q = 0 (theta[1]) must be in"));
  start = truth;
  start[0] = -0.2;
  EXPECT_TRUE(has(fit_error(lensing, x, {}, start), "theta_E = -0.2 (theta[0]) must be >= 0"));
  start = truth;
  start[0] = 1.7;
  EXPECT_TRUE(has(fit_error(lensing, x, {}, start),
                  "the start's theta_E = 1.7 (theta[0]) is outside the prior's support [0.5, 1.5]"));
  EXPECT_TRUE(has(fit_error(lensing, x, {}, truth.head(11)), "the start has 11 entries"));
  // The instrument: no noise to weight by, Poisson noise; the options.
  LensingConfig config = gaussian_psf_config();
  config.noise_sigma = 0;
  EXPECT_TRUE(has(fit_error(StrongLensing(config), x, {}, truth),
                  "pixel (row 0, column 0) is used but its noise sigma is 0"));
  config = gaussian_psf_config();
  config.poisson = true;
  EXPECT_TRUE(has(fit_error(StrongLensing(config), x, {}, truth), "Poisson noise"));
  LensFitOptions options;
  options.max_iterations = 0;
  EXPECT_TRUE(has(fit_error(lensing, x, {}, truth, options), "max_iterations = 0 must be >= 1"));
  EXPECT_EQ(fit_error(lensing, x, {}, truth), "");
}

}  // namespace
}  // namespace sbi
