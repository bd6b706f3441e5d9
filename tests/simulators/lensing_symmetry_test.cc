// The lensing task's exact symmetries (simulators/symmetry.h, group lensing_d4): for every one
// of the 7 non-identity elements g, the noiseless image simulated at g(θ) is the g-permuted
// image simulated at θ (to rounding), and g(θ) stays in the prior's support; the simulator
// names the group only when its PSF and noise are symmetric.
#include <gtest/gtest.h>

#include <cmath>
#include <set>

#include "core/error.h"
#include "core/rng.h"
#include "simulators/lensing.h"
#include "simulators/symmetry.h"

namespace sbi::simulators {
namespace {

LensingConfig noiseless(int npix) {
  LensingConfig c;
  c.npix = npix;
  c.noise_sigma = 0;
  return c;
}

TEST(LensingSymmetry, EveryElementMapsTheImageAtThetaToTheImageAtItsImage) {
  for (int npix : {16, 17}) {  // an even grid (axis between pixels) and an odd one (on a pixel)
    const StrongLensing sim(noiseless(npix));
    ASSERT_EQ(sim.symmetry_group(), "lensing_d4");
    const std::vector<Symmetry> group = symmetry_group("lensing_d4", sim.x_shape());
    ASSERT_EQ(group.size(), 7u);
    std::set<std::vector<long>> distinct;
    for (const Symmetry& g : group) distinct.insert(g.x_from);
    EXPECT_EQ(distinct.size(), 7u);  // 7 different permutations, none the identity
    const core::Prior prior = lensing_prior();
    core::Rng rng(2026, 0);
    for (int draw = 0; draw < 4; ++draw) {
      const Eigen::VectorXd theta = prior.sample(1, &rng).col(0);
      Eigen::VectorXd image(sim.x_dim()), mapped_image(sim.x_dim());
      core::Rng unused(1);
      sim.simulate(theta, &unused, image);
      const double scale = image.cwiseAbs().maxCoeff();
      ASSERT_GT(scale, 0.1);
      for (const Symmetry& g : group) {
        Eigen::VectorXd mapped = theta;
        g.map_theta(mapped);
        EXPECT_TRUE(std::isfinite(prior.log_prob(mapped))) << g.name << ": " << mapped.transpose();
        sim.simulate(mapped, &unused, mapped_image);
        double worst = 0;
        for (Eigen::Index i = 0; i < image.size(); ++i)
          worst = std::max(worst, std::abs(mapped_image[i] - image[g.x_from[static_cast<size_t>(i)]]));
        // Sums of the same rays in another order: rounding only.
        EXPECT_LT(worst, 1e-9 * scale) << g.name << ", npix " << npix << ", theta " << theta.transpose();
      }
    }
  }
}

TEST(LensingSymmetry, QuarterTurnAndReflectionActOnThetaAsTheGeometrySays) {
  const std::vector<Symmetry> group = symmetry_group("lensing_d4", core::DataShape::image(8, 8));
  Eigen::VectorXd theta(12);
  theta << 1.0, 0.7, 0.3, 0.05, -0.02, 0.1, 0.2, 0.25, 1.5, 0.6, 2.9, 5.0;
  Eigen::VectorXd turned = theta;
  group[0].map_theta(turned);  // rotate 90 degrees
  EXPECT_EQ(group[0].name, "rotate 90 degrees");
  EXPECT_NEAR(turned[2], 0.3 + M_PI / 2, 1e-15);
  EXPECT_NEAR(turned[10], 2.9 + M_PI / 2 - M_PI, 1e-15);  // wrapped into [0, π)
  EXPECT_EQ(turned[3], -0.05);
  EXPECT_EQ(turned[4], 0.02);
  EXPECT_EQ(turned[5], -0.2);  // (x, y) -> (-y, x)
  EXPECT_EQ(turned[6], 0.1);
  for (int k : {0, 1, 7, 8, 9, 11}) EXPECT_EQ(turned[k], theta[k]) << k;
  Eigen::VectorXd reflected = theta;
  group[3].map_theta(reflected);  // reflect y, rotate 0
  EXPECT_EQ(group[3].name, "reflect y, then rotate 0 degrees");
  EXPECT_NEAR(reflected[2], M_PI - 0.3, 1e-15);
  EXPECT_EQ(reflected[3], 0.05);
  EXPECT_EQ(reflected[4], 0.02);
  EXPECT_EQ(reflected[6], -0.2);
}

TEST(LensingSymmetry, AnAsymmetricPsfOrNoiseMapBreaksTheGroup) {
  LensingConfig c = noiseless(16);
  c.psf_image = Eigen::MatrixXd::Zero(5, 5);
  c.psf_image(2, 2) = 0.6;
  c.psf_image(2, 3) = 0.4;  // lopsided
  EXPECT_EQ(StrongLensing(c).symmetry_group(), "");
  c.psf_image(2, 3) = 0.1;  // a plus shape: symmetric
  c.psf_image(2, 1) = c.psf_image(1, 2) = c.psf_image(3, 2) = 0.1;
  EXPECT_EQ(StrongLensing(c).symmetry_group(), "lensing_d4");
  c.noise_map = Eigen::MatrixXd::Constant(16, 16, 0.1);
  EXPECT_EQ(StrongLensing(c).symmetry_group(), "lensing_d4");
  c.noise_map(0, 5) = 0.2;
  EXPECT_EQ(StrongLensing(c).symmetry_group(), "");
  EXPECT_THROW(symmetry_group("lensing_d8", core::DataShape::image(8, 8)), core::Error);
  EXPECT_THROW(symmetry_group("lensing_d4", core::DataShape::image(8, 9)), core::Error);
  EXPECT_THROW(symmetry_group("lensing_d4", core::DataShape::vector(64)), core::Error);
}

}  // namespace
}  // namespace sbi::simulators
