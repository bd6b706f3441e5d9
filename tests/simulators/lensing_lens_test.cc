// The lens: SIE deflection, potential and Hessian (closed forms of simulators/lensing/sie.h)
// against the SIS, finite differences and the C library's atan/atanh; external shear; the
// lens equation, image positions and magnifications of the SIS.
#include <gtest/gtest.h>

#include <Eigen/Geometry>
#include <Eigen/LU>
#include <cmath>
#include <functional>
#include <vector>

#include "simulators/lensing/lens_model.h"
#include "tests/simulators/error_message.h"

namespace sbi::simulators::lensing {
namespace {

using testing::error_message;

// Points on a ring of radii 0.05..3 arcsec at irregular angles (none on an axis).
std::vector<Eigen::Vector2d> test_points() {
  std::vector<Eigen::Vector2d> points;
  for (double r : {0.05, 0.3, 0.9, 1.7, 3.0})
    for (int k = 0; k < 7; ++k) {
      const double a = 0.37 + 2 * M_PI * k / 7;
      points.emplace_back(r * std::cos(a), r * std::sin(a));
    }
  return points;
}

// The SIE deflection written out with the C library (sie.h's formulas), in the sky frame.
Eigen::Vector2d reference_sie(double theta_e, double q, double phi, double x, double y) {
  const double c = std::cos(phi), s = std::sin(phi);
  const double u = c * x + s * y, v = -s * x + c * y;
  const double eps = std::sqrt(1 - q * q), psi = std::sqrt(q * q * u * u + v * v);
  const double au = theta_e * std::sqrt(q) / eps * std::atan(eps * u / psi);
  const double av = theta_e * std::sqrt(q) / eps * std::atanh(eps * v / psi);
  return {c * au - s * av, s * au + c * av};
}

TEST(LensSie, SisDeflectionHasMagnitudeThetaEAndPointsAtTheCentre) {
  // |α| = θ_E and α ∥ θ: a few roundings in rsqrt and the products, 1e-15 relative.
  for (double phi : {0.0, 1.1}) {
    const Sie sis(1.3, 1.0, phi);
    for (const Eigen::Vector2d& p : test_points()) {
      const Eigen::Vector2d a = sis.deflection(p.x(), p.y());
      EXPECT_NEAR(a.norm(), 1.3, 1.3e-15) << p.transpose();
      EXPECT_NEAR(a.x() * p.y() - a.y() * p.x(), 0.0, 1e-15 * p.norm()) << p.transpose();
      EXPECT_GT(a.dot(p), 0.0);
    }
    // Far out and very close in: still θ_E; at the centre itself α = 0.
    EXPECT_NEAR(sis.deflection(1e4, -3e3).norm(), 1.3, 1.3e-15);
    EXPECT_NEAR(sis.deflection(1e-9, 2e-9).norm(), 1.3, 1.3e-15);
    EXPECT_EQ(sis.deflection(0, 0), Eigen::Vector2d::Zero());
  }
}

TEST(LensSie, MatchesTheClosedFormWrittenWithTheCLibrary) {
  // vector_math.h's functions are within 2e-15 relative of the C library's: 1e-14 of θ_E.
  for (double q : {0.2, 0.5, 0.8, 0.99})
    for (double phi : {0.0, 0.4, 2.5}) {
      const Sie sie(1.1, q, phi);
      for (const Eigen::Vector2d& p : test_points()) {
        const Eigen::Vector2d want = reference_sie(1.1, q, phi, p.x(), p.y());
        EXPECT_LT((sie.deflection(p.x(), p.y()) - want).norm(), 1.1e-14)
            << "q " << q << " phi " << phi << " at " << p.transpose();
      }
    }
}

TEST(LensSie, TendsToTheSisAsQTendsToOne) {
  // To first order in δ = 1 - q (ε² = 2δ, sqrt(q) = 1 - δ/2, r/ψ = 1 + δ cos²ϑ,
  // atan(εt)/ε = t (1 - ε²t²/3), atanh(εt)/ε = t (1 + ε²t²/3)), at lens-frame angle ϑ:
  //   α_SIE - α_SIS = δ θ_E (cos ϑ (cos²ϑ/3 - 1/2), sin ϑ (cos²ϑ/3 + 1/6)),
  // of length at most δ θ_E / 3 (at ϑ = 45°). Checked point by point for δ <= 1e-3, within the
  // second-order terms (a few δ² θ_E: 5 δ² θ_E) plus the rounding of the two deflections
  // whose difference is taken (a few ulp of θ_E each: 2e-15 arcsec, which dominates at
  // δ = 1e-9).
  const double theta_e = 1.2, phi = 0.3;
  const Sie sis(theta_e, 1.0, phi);
  for (double delta : {1e-1, 1e-3, 1e-5, 1e-7, 1e-9}) {
    const Sie sie(theta_e, 1 - delta, phi);
    double worst = 0;
    for (const Eigen::Vector2d& p : test_points()) {
      const Eigen::Vector2d diff = sie.deflection(p.x(), p.y()) - sis.deflection(p.x(), p.y());
      worst = std::max(worst, diff.norm());
      const double t = std::atan2(p.y(), p.x()) - phi, c = std::cos(t), s = std::sin(t);
      const Eigen::Vector2d lens_frame(c * (c * c / 3 - 0.5), s * (c * c / 3 + 1.0 / 6));
      const Eigen::Vector2d want = delta * theta_e * (Eigen::Rotation2Dd(phi) * lens_frame);
      if (delta <= 1e-3) {
        EXPECT_LT((diff - want).norm(), 5 * delta * delta * theta_e + 2e-15)
            << "1 - q = " << delta << " at " << p.transpose();
      }
    }
    EXPECT_LE(worst, delta * theta_e * (1.0 / 3 + 0.5 * delta)) << "1 - q = " << delta;
  }
  // The nearest double below 1 (ε = 1.5e-8, general formulas) against q = 1 (the SIS branch):
  // equal to rounding.
  const Sie almost(1.2, std::nextafter(1.0, 0.0), 0.3);
  for (const Eigen::Vector2d& p : test_points())
    EXPECT_LT((almost.deflection(p.x(), p.y()) - sis.deflection(p.x(), p.y())).norm(), 1e-14);
}

// Central differences with step h: truncation h²/6 |∂³f| and rounding ~1e-16 |f| / h.
Eigen::Vector2d gradient(const std::function<double(double, double)>& f, double x, double y,
                         double h) {
  return {(f(x + h, y) - f(x - h, y)) / (2 * h), (f(x, y + h) - f(x, y - h)) / (2 * h)};
}

TEST(LensSie, DeflectionIsTheGradientOfThePotential) {
  // h = 1e-5 arcsec: the third derivatives of Ψ scale as θ_E / (q^(3/2) r²), at most ~100 for
  // q = 0.3 and r = 0.3 (points closer in get a proportionally smaller step), so truncation
  // is below 2e-9; rounding 3e-16 |Ψ| / h < 1e-10. Tolerance 1e-8 arcsec.
  for (double q : {0.3, 0.6, 0.9, 1.0})
    for (double phi : {0.0, 0.7}) {
      const LensModel lens(Sie(1.4, q, phi), ExternalShear(0.05, -0.03));
      for (const Eigen::Vector2d& p : test_points()) {
        const double h = 1e-5 * std::min(1.0, p.norm() / 0.3);
        const Eigen::Vector2d fd =
            gradient([&](double x, double y) { return lens.potential(x, y); }, p.x(), p.y(), h);
        EXPECT_LT((fd - lens.deflection(p.x(), p.y())).norm(), 1e-8)
            << "q " << q << " phi " << phi << " at " << p.transpose();
      }
    }
}

TEST(LensSie, HessianIsTheJacobianOfTheDeflectionWithTrace2Kappa) {
  // ∂α/∂θ by central differences (h as above, one derivative lower: truncation ~ h² θ_E /
  // (q^(3/2) r³) < 1e-7 at q = 0.3, r = 0.3 with h scaled down inside): tolerance 1e-6 /arcsec.
  // The closed form's trace is 2κ and the SIE part is singular, to rounding (1e-14 κ).
  for (double q : {0.3, 0.6, 1.0}) {
    const Sie sie(0.9, q, 1.2);
    for (const Eigen::Vector2d& p : test_points()) {
      const double h = 1e-5 * std::min(1.0, p.norm() / 0.3);
      const Eigen::Matrix2d hess = sie.hessian(p.x(), p.y());
      for (int j = 0; j < 2; ++j) {
        const Eigen::Vector2d step = h * Eigen::Vector2d::Unit(j);
        const Eigen::Vector2d column = (sie.deflection(p.x() + step.x(), p.y() + step.y()) -
                                        sie.deflection(p.x() - step.x(), p.y() - step.y())) /
                                       (2 * h);
        EXPECT_LT((column - hess.col(j)).norm(), 1e-6 * std::max(1.0, hess.norm()))
            << "q " << q << " at " << p.transpose();
      }
      const double kappa = sie.convergence(p.x(), p.y());
      EXPECT_NEAR(hess.trace(), 2 * kappa, 1e-14 * kappa);
      EXPECT_NEAR(hess.determinant(), 0.0, 1e-14 * kappa * kappa);
    }
  }
}

TEST(LensSie, KappaIsOneHalfOnTheEllipseOfAreaPiThetaESquared) {
  // The normalisation (lenstronomy, SLACS): κ = 1/2 on q x'² + y'²/q = θ_E².
  const double theta_e = 1.3, q = 0.55, phi = 0.6;
  const Sie sie(theta_e, q, phi);
  for (double t : {0.0, 0.8, 2.0, 4.1}) {
    const double u = theta_e / std::sqrt(q) * std::cos(t), v = theta_e * std::sqrt(q) * std::sin(t);
    const double x = std::cos(phi) * u - std::sin(phi) * v,
                 y = std::sin(phi) * u + std::cos(phi) * v;
    EXPECT_NEAR(sie.convergence(x, y), 0.5, 1e-15);
  }
}

TEST(LensShear, DeflectionPotentialAndHessian) {
  const ExternalShear shear(0.07, -0.04);
  const Eigen::Vector2d a = shear.deflection(0.5, -1.5);
  EXPECT_NEAR(a.x(), 0.07 * 0.5 - 0.04 * -1.5, 1e-16);
  EXPECT_NEAR(a.y(), -0.04 * 0.5 - 0.07 * -1.5, 1e-16);
  // Ψ is quadratic: central differences are exact up to rounding (1e-16 |Ψ| / h ~ 1e-12).
  const Eigen::Vector2d fd =
      gradient([&](double x, double y) { return shear.potential(x, y); }, 0.5, -1.5, 1e-3);
  EXPECT_LT((fd - a).norm(), 1e-12);
  EXPECT_EQ(shear.hessian()(0, 1), -0.04);
  EXPECT_EQ(shear.hessian()(1, 1), -0.07);
  // A circular source is stretched along +x by γ1 > 0: 1 - ∂²Ψ has its smaller eigenvalue on x.
  const Eigen::Matrix2d jac = Eigen::Matrix2d::Identity() - ExternalShear(0.1, 0).hessian();
  EXPECT_LT(jac(0, 0), jac(1, 1));
}

TEST(LensModel, SisImagesOfAnOffAxisPointSourceAndTheirMagnifications) {
  // Source at β (0 < β < θ_E) along a direction n: images at (β ± θ_E) n, magnifications
  // μ = |θ| / (|θ| - θ_E) (positive outside, negative inside the Einstein ring). Lens
  // equation to rounding (1e-15 arcsec); μ from the closed-form Hessian to 1e-13 relative.
  const double theta_e = 1.15;
  const LensModel lens(Sie(theta_e, 1.0, 0.2), ExternalShear(0, 0));
  for (double beta : {0.05, 0.3, 0.8})
    for (double angle : {0.0, 0.9, 3.5}) {
      const Eigen::Vector2d n(std::cos(angle), std::sin(angle));
      for (double sign : {1.0, -1.0}) {
        const Eigen::Vector2d image = (beta + sign * theta_e) * n;
        double bx, by;
        lens.shoot(1, &image.x(), &image.y(), &bx, &by);
        EXPECT_LT((Eigen::Vector2d(bx, by) - beta * n).norm(), 2e-15) << beta << " " << angle;
        const double r = image.norm();
        const double mu = r / (r - theta_e);
        EXPECT_NEAR(lens.magnification(image.x(), image.y()), mu, 1e-13 * std::fabs(mu));
      }
      // The flux ratio of the two images, θ_E/β + 1 over θ_E/β - 1.
      const Eigen::Vector2d plus = (beta + theta_e) * n, minus = (beta - theta_e) * n;
      EXPECT_NEAR(std::fabs(lens.magnification(plus.x(), plus.y()) /
                            lens.magnification(minus.x(), minus.y())),
                  (theta_e / beta + 1) / (theta_e / beta - 1), 1e-12);
    }
}

TEST(LensModel, ShootAddsShearToTheSie) {
  const LensModel lens(Sie(1.0, 0.7, 0.3), ExternalShear(0.03, 0.08));
  const double x[3] = {0.4, -1.2, 2.0}, y[3] = {0.9, 0.1, -0.6};
  double bx[3], by[3];
  lens.shoot(3, x, y, bx, by);
  for (int i = 0; i < 3; ++i) {
    const Eigen::Vector2d a = Sie(1.0, 0.7, 0.3).deflection(x[i], y[i]) +
                              ExternalShear(0.03, 0.08).deflection(x[i], y[i]);
    EXPECT_NEAR(bx[i], x[i] - a.x(), 1e-15);
    EXPECT_NEAR(by[i], y[i] - a.y(), 1e-15);
  }
}

TEST(LensSie, RejectsUnphysicalParameters) {
  EXPECT_NE(error_message([] {
              Sie(-0.1, 0.8, 0);
            }).find("Sie: theta_E = -0.10000000000000001 arcsec, must be finite and >= 0"),
            std::string::npos);
  EXPECT_NE(
      error_message([] { Sie(1, 0, 0); }).find("Sie: q = 0, the axis ratio must be in [1e-6, 1]"),
      std::string::npos);
  EXPECT_NE(error_message([] { Sie(1, 1.2, 0); }).find("q = 1.2"), std::string::npos);
  EXPECT_NE(error_message([] { Sie(1, 0.5, NAN); }).find("Sie: phi = nan"), std::string::npos);
  EXPECT_NE(error_message([] {
              ExternalShear(INFINITY, 0);
            }).find("ExternalShear: (gamma1, gamma2) = (inf, 0) must be finite"),
            std::string::npos);
  EXPECT_EQ(error_message([] { Sie(0, 1, 0); }), "");  // no lens at all is allowed
  EXPECT_EQ(Sie(0, 0.5, 0).deflection(0.3, 0.2), Eigen::Vector2d::Zero());
}

}  // namespace
}  // namespace sbi::simulators::lensing
