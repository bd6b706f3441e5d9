#include "core/normal_cdf.h"

#include <gtest/gtest.h>

#include <cmath>

namespace sbi::core {
namespace {

TEST(NormalCdf, KnownValues) {
  // Φ(1.96) and Φ⁻¹(0.975) from tables to 16 digits.
  EXPECT_DOUBLE_EQ(normal_cdf(0.0), 0.5);
  EXPECT_NEAR(normal_cdf(1.96), 0.9750021048517795, 1e-15);
  EXPECT_NEAR(normal_sf(1.96), 1 - 0.9750021048517795, 1e-15);
  EXPECT_NEAR(normal_quantile(0.975), 1.959963984540054, 1e-13);
  EXPECT_EQ(normal_quantile(0.0), -INFINITY);
  EXPECT_EQ(normal_quantile(1.0), INFINITY);
}

TEST(NormalCdf, QuantileInvertsTheCdfInBothTails) {
  // Through the tail Acklam switches formulas at p = 0.02425 (x = -1.97); the Halley step
  // leaves a relative error near machine precision everywhere.
  for (double x = -8.0; x <= 8.0; x += 0.03125) {
    const double p = x < 0 ? normal_cdf(x) : normal_sf(x);
    const double back = x < 0 ? normal_quantile(p) : -normal_quantile(p);
    EXPECT_NEAR(back, x, 1e-12 * std::max(1.0, std::fabs(x))) << x;
  }
}

TEST(NormalCdf, MassIsAccurateFarInATail) {
  // [6, 7] under N(0, 1): Q(6) - Q(7) = 9.8658765e-10 - 1.2798125e-12; 1 - Φ would cancel.
  EXPECT_NEAR(normal_mass(6, 7) / (normal_sf(6) - normal_sf(7)), 1.0, 1e-15);
  EXPECT_NEAR(normal_mass(6, 7), 9.8530783e-10, 1e-16);
  EXPECT_NEAR(normal_mass(-7, -6), normal_mass(6, 7), 1e-25);
  EXPECT_NEAR(normal_mass(-1, 1), 0.6826894921370859, 1e-15);
}

}  // namespace
}  // namespace sbi::core
