#include "simulators/two_moons.h"

#include <gtest/gtest.h>

#include <cmath>

#include "simulators/batch.h"

namespace sbi::simulators {
namespace {

// Statistical checks allow 5 standard errors: a false alarm has probability ~6e-7 per check.
constexpr double kSigmas = 5.0;

TEST(TwoMoons, ShiftIsRotationOfThetaByMinusQuarterPi) {
  // sbibm _map_fun at θ = (0.3, -0.5): (-|0.3 - 0.5| / √2, (-0.5 - 0.3) / √2), from Python.
  const Eigen::Vector2d s = TwoMoons::shift(Eigen::Vector2d(0.3, -0.5));
  EXPECT_DOUBLE_EQ(s[0], -0.1414213562373095);
  EXPECT_DOUBLE_EQ(s[1], -0.565685424949238);
}

// Checks that x - shift(θ) - (0.25, 0) = r (cos a, sin a) with r ~ N(0.1, 0.01²) and
// a ~ U(-π/2, π/2). With N draws: mean of r has se 0.01/√N, its variance has sd √2·0.01²/√N;
// a has mean 0 (se √(π²/12/N)) and variance π²/12 (sd √((π⁴/80 - π⁴/144)/N)).
void check_moon(const Eigen::Vector2d& theta) {
  const int n = 40000;
  SimulateOptions options;
  options.seed = 5;
  const Eigen::MatrixXd x = simulate_at(TwoMoons(), theta.replicate(1, n), options).x;
  const Eigen::Vector2d centre = TwoMoons::shift(theta) + Eigen::Vector2d(0.25, 0.0);
  Eigen::ArrayXd r(n), a(n);
  for (int i = 0; i < n; ++i) {
    const Eigen::Vector2d p = x.col(i) - centre;
    r[i] = p.norm();
    a[i] = std::atan2(p[1], p[0]);
  }
  EXPECT_GT(a.minCoeff(), -M_PI / 2);
  EXPECT_LT(a.maxCoeff(), M_PI / 2);
  const double r_mean = r.mean(), a_mean = a.mean();
  const double r_var = (r - r_mean).square().sum() / (n - 1);
  const double a_var = (a - a_mean).square().sum() / (n - 1);
  EXPECT_NEAR(r_mean, 0.1, kSigmas * 0.01 / std::sqrt(n));
  EXPECT_NEAR(r_var, 1e-4, kSigmas * std::sqrt(2.0) * 1e-4 / std::sqrt(n));
  const double pi4 = std::pow(M_PI, 4);
  EXPECT_NEAR(a_mean, 0.0, kSigmas * std::sqrt(M_PI * M_PI / 12 / n));
  EXPECT_NEAR(a_var, M_PI * M_PI / 12, kSigmas * std::sqrt((pi4 / 80 - pi4 / 144) / n));
}

TEST(TwoMoons, CrescentAtOrigin) { check_moon(Eigen::Vector2d(0.0, 0.0)); }
TEST(TwoMoons, CrescentAtShiftedTheta) { check_moon(Eigen::Vector2d(0.3, -0.5)); }

TEST(TwoMoons, ThetaAndItsMirrorGiveIdenticalData) {
  // x depends on θ through |θ0 + θ1| and θ1 - θ0, both unchanged by (θ0, θ1) -> (-θ1, -θ0):
  // the source of the two posterior modes.
  Eigen::MatrixXd theta(2, 2);
  theta << 0.3, 0.5,  //
      -0.5, -0.3;
  const TwoMoons sim;
  Eigen::VectorXd x0(2), x1(2);
  core::Rng rng0(9, 0), rng1(9, 0);
  sim.simulate(theta.col(0), &rng0, x0);
  sim.simulate(theta.col(1), &rng1, x1);
  EXPECT_EQ(x0, x1);
}

}  // namespace
}  // namespace sbi::simulators
