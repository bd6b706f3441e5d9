// Sources: the Sérsic profile (b_n, brightness, total flux against a grid integration) and the
// bilinearly interpolated pixelated source.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "simulators/lensing/pixelated_source.h"
#include "simulators/lensing/sersic.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators::lensing {
namespace {

using testing::error_message;

TEST(LensSersic, BnPutsHalfTheLightInsideTheEffectiveRadius) {
  // For integer m = 2n, P(m, b) = 1 - e^(-b) Σ_{k<m} b^k / k! exactly. gamma_p_inv is accurate
  // to a few ulp, and dP/db = e^(-b) b^(m-1) / (m-1)! < 0.4: |P(m, b_n) - 1/2| < 1e-14.
  for (double n : {0.5, 1.0, 1.5, 2.0, 4.0, 10.0}) {
    const double b = sersic_b(n);
    double term = 1, sum = 0;
    for (int k = 0; k < static_cast<int>(2 * n); ++k) {
      sum += term;
      term *= b / (k + 1);
    }
    EXPECT_NEAR(1 - std::exp(-b) * sum, 0.5, 1e-14) << "n = " << n;
  }
  EXPECT_NEAR(sersic_b(0.5), std::log(2.0), 1e-15);
  // The asymptotic series of Ciotti & Bertin (1999), b_n being the median of a Gamma(2n)
  // variable: with a = 2n, a - 1/3 + 8/(405 a) + 184/(25515 a²) + 2248/(3444525 a³) (Choi 1994,
  // Proc. AMS 121, 245). Its first omitted term is -19006408/(15345358875 a⁴) = -7.7e-5/n⁴,
  // and the later ones smaller for n >= 2: tolerance 1.5e-4/n⁴.
  for (double n : {2.0, 4.0, 8.0}) {
    const double a = 2 * n;
    const double series =
        a - 1.0 / 3 + 8 / (405 * a) + 184 / (25515 * a * a) + 2248 / (3444525 * a * a * a);
    EXPECT_NEAR(sersic_b(n), series, 1.5e-4 / std::pow(n, 4)) << "n = " << n;
  }
}

TEST(LensSersic, BnDerivativeMatchesFiniteDifferencesAndTheAsymptoticSeries) {
  // Five-point differences of sersic_b, f' = (8 (f(n+h) - f(n-h)) - (f(n+2h) - f(n-2h))) / 12h,
  // with h = 1e-3 n: truncation h⁴ |b⁽⁵⁾| / 30, below 1e-12 for |b⁽⁵⁾| < 100 (b is smooth,
  // nearly linear: b ≈ 2n - 1/3); gamma_p_inv is accurate to a few ulp, a rounding error of
  // ~1e-15 b / h < 3e-12. Tolerance 1e-11.
  for (double n : {0.5, 0.7, 1.0, 2.5, 4.0, 10.0, 19.9}) {
    const double h = 1e-3 * n;
    const double fd = (8 * (sersic_b(n + h) - sersic_b(n - h)) -
                       (sersic_b(n + 2 * h) - sersic_b(n - 2 * h))) / (12 * h);
    EXPECT_NEAR(sersic_b_derivative(n), fd, 1e-11) << "n = " << n;
  }
  // An independent check: the derivative of the asymptotic series of the first test with its
  // next term -19006408/(15345358875 a⁴) included,
  //   db/dn = 2 (1 - 8/(405 a²) - 368/(25515 a³) - 6744/(3444525 a⁴) + 76025632/(15345358875 a⁵)),
  // a = 2n. At a = 16 its terms are 1.5e-4, 7e-6, 6e-8 and 9.4e-9; the remainder is taken to
  // be below the last of them: tolerance 1e-8 (at n = 4 the a⁻⁵ term alone is 3e-7, which is
  // why the check starts at n = 8).
  for (double n : {8.0, 12.0}) {
    const double a = 2 * n, a2 = a * a;
    const double series = 2 * (1 - 8 / (405 * a2) - 368 / (25515 * a2 * a) -
                               6744 / (3444525 * a2 * a2) + 76025632 / (15345358875 * a2 * a2 * a));
    EXPECT_NEAR(sersic_b_derivative(n), series, 1e-8) << "n = " << n;
  }
  EXPECT_NE(error_message([] { sersic_b_derivative(21); }).find("n = 21"), std::string::npos);
}

TEST(LensSersic, BrightnessFollowsTheProfile) {
  const Sersic s(3.0, 0.4, 2.5, 0.6, 0.7, 0.1, -0.2);
  const double c = std::cos(0.7), sn = std::sin(0.7);
  // I_e on the ellipse R = R_e (semi-major 0.4, semi-minor 0.24), e^(b_n) I_e at the centre.
  for (double t : {0.0, 1.0, 2.2}) {
    const double u = 0.4 * std::cos(t), v = 0.24 * std::sin(t);
    EXPECT_NEAR(s.brightness(0.1 + c * u - sn * v, -0.2 + sn * u + c * v), 3.0, 3e-14);
  }
  EXPECT_NEAR(s.brightness(0.1, -0.2), 3.0 * std::exp(s.b()), 1e-13 * 3.0 * std::exp(s.b()));
  // Against std::pow and std::exp elsewhere: the exponent b (R/R_e)^(1/n) reaches ~30 here,
  // and a relative error of 2e-16 in its ingredients moves e^(...) by 30 x 4e-16: 2e-14.
  std::vector<double> x, y;
  for (double px : {-1.0, -0.3, 0.05, 0.6, 1.4})
    for (double py : {-0.9, 0.0, 0.35, 1.1}) {
      x.push_back(px);
      y.push_back(py);
    }
  std::vector<double> batch(x.size());
  s.brightness(static_cast<int>(x.size()), x.data(), y.data(), batch.data());
  for (std::size_t i = 0; i < x.size(); ++i) {
    const double dx = x[i] - 0.1, dy = y[i] + 0.2;
    const double u = c * dx + sn * dy, v = -sn * dx + c * dy;
    const double r = std::sqrt(u * u + v * v / 0.36);
    const double want = 3.0 * std::exp(-s.b() * (std::pow(r / 0.4, 1 / 2.5) - 1));
    EXPECT_NEAR(batch[i], want, 2e-14 * want);
    EXPECT_EQ(batch[i], s.brightness(x[i], y[i]));  // one kernel for batches and points
  }
}

// The midpoint rule on a square grid of spacing h over [-L, L]² around the centre.
double grid_flux(const Sersic& s, double half_width, double h) {
  const int n = static_cast<int>(std::round(2 * half_width / h));
  std::vector<double> x(n), y(n), out(n);
  double total = 0;
  for (int i = 0; i < n; ++i) {
    for (int j = 0; j < n; ++j) {
      x[j] = -half_width + (j + 0.5) * h;
      y[j] = -half_width + (i + 0.5) * h;
    }
    s.brightness(n, x.data(), y.data(), out.data());
    for (double v : out) total += v;
  }
  return total * h * h;
}

TEST(LensSersic, TotalFluxMatchesItsClosedForm) {
  // F = 2π n q R_e² I_e e^b b^(-2n) Γ(2n) against the midpoint rule. Tolerances: the light
  // beyond the grid is below 1e-9 of F in each case (Q(2n, b (L / R_e)^(1/n))); the midpoint
  // rule converges like e^(-c/h) for the smooth Gaussian (n = 0.5), and like h³ (a cone at the
  // centre, n = 1) and h^2.5 (a sqrt(R) cusp, n = 2) otherwise: (h / R_e)³ = 1.6e-5 at h = R_e/40
  // and (h / R_e)^2.5 = 4e-5 at h = R_e/60, times a constant of order one: 2e-5 and 1e-4.
  struct Case {
    double n, r_eff, q, half_width_in_re, steps_per_re, tolerance;
  };
  for (const Case& c : {Case{0.5, 0.3, 0.6, 8, 10, 1e-12}, Case{1.0, 0.25, 0.8, 20, 40, 2e-5},
                        Case{2.0, 0.2, 0.5, 60, 60, 1e-4}}) {
    const Sersic s(2.5, c.r_eff, c.n, c.q, 0.9);
    const double f = grid_flux(s, c.half_width_in_re * c.r_eff, c.r_eff / c.steps_per_re);
    EXPECT_NEAR(f / s.total_flux(), 1.0, c.tolerance) << "n = " << c.n;
  }
  // The closed form for n = 1 by hand: 2π q R_e² I_e e^b / b² (Γ(2) = 1).
  const Sersic exponential(2.0, 0.5, 1.0, 0.7, 0);
  const double b = exponential.b();
  EXPECT_NEAR(exponential.total_flux(), 2 * M_PI * 0.7 * 0.25 * 2.0 * std::exp(b) / (b * b), 1e-13);
}

TEST(LensSersic, RejectsUnphysicalParameters) {
  EXPECT_NE(error_message([] {
              Sersic(1, 0, 1, 1, 0);
            }).find("Sersic: r_eff = 0, must be finite and > 0 arcsec"),
            std::string::npos);
  EXPECT_NE(
      error_message([] { Sersic(1, 0.2, -1, 1, 0); }).find("Sersic: n = -1, must be in (0, 20]"),
      std::string::npos);
  EXPECT_NE(error_message([] { Sersic(1, 0.2, 1, 0, 0); }).find("Sersic: q = 0, must be in (0, 1]"),
            std::string::npos);
  EXPECT_NE(error_message([] { Sersic(-2, 0.2, 1, 1, 0); }).find("Sersic: amplitude = -2"),
            std::string::npos);
  EXPECT_NE(error_message([] { Sersic(1, 0.2, 1, 1, 0, NAN); }).find("center_x = nan"),
            std::string::npos);
  EXPECT_NE(error_message([] { sersic_b(0); }).find("n = 0"), std::string::npos);
}

TEST(LensPixelatedSource, BilinearInterpolationWithZerosOutside) {
  SourceGrid g;
  g.rows = 3;
  g.cols = 4;
  g.pixel_scale = 0.2;
  g.center_x = 0.1;
  g.center_y = -0.1;
  Eigen::MatrixXd image(3, 4);
  image << 1, 2, 3, 4,  //
      5, 6, 7, 8,       //
      9, 10, 11, 12;
  const PixelatedSource src(g, image);
  // Pixel (i, j) centre: x = 0.1 + (j - 1.5) 0.2, y = -0.1 + (i - 1) 0.2.
  auto px = [](double j) { return 0.1 + (j - 1.5) * 0.2; };
  auto py = [](double i) { return -0.1 + (i - 1) * 0.2; };
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 4; ++j) EXPECT_NEAR(src.brightness(px(j), py(i)), image(i, j), 1e-14);
  // Between four centres: the mean; a quarter of the way along a row: linear. Row index
  // increases with y: (i, j) = (0.5, 1.25) is above row 0, right of column 1.
  EXPECT_NEAR(src.brightness(px(1.5), py(0.5)), (2 + 3 + 6 + 7) / 4.0, 1e-14);
  EXPECT_NEAR(src.brightness(px(1.25), py(2)), 10.25, 1e-14);
  // Half a pixel beyond the edge: half the edge value; a pixel beyond: 0.
  EXPECT_NEAR(src.brightness(px(3.5), py(1)), 4.0, 1e-14);
  EXPECT_NEAR(src.brightness(px(-0.5), py(2)), 4.5, 1e-14);
  EXPECT_EQ(src.brightness(px(4.0), py(1)), 0.0);
  EXPECT_EQ(src.brightness(1e300, NAN), 0.0);
  int index[4];
  double weight[4];
  ASSERT_EQ(g.bilinear(px(0.3), py(1.6), index, weight), 4);
  EXPECT_NEAR(weight[0] + weight[1] + weight[2] + weight[3], 1.0, 1e-15);
  EXPECT_EQ(index[0], 1 * 4 + 0);
  EXPECT_NEAR(weight[0], 0.4 * 0.7, 1e-14);

  EXPECT_NE(error_message([&] {
              PixelatedSource(g, Eigen::MatrixXd::Zero(4, 3));
            }).find("the image is 4 x 3, the grid 3 x 4"),
            std::string::npos);
  g.pixel_scale = 0;
  EXPECT_NE(error_message([&] { PixelatedSource(g, image); }).find("SourceGrid::pixel_scale = 0"),
            std::string::npos);
}

}  // namespace
}  // namespace sbi::simulators::lensing
