// BatchAugmentation (sbi/batch_augmentation.h) on standardised pairs: every column comes out
// either as it was or as the group element's image (θ mapped in its own units, x permuted),
// each element about equally often, and an epoch's draws are the same when it is replayed.
#include <gtest/gtest.h>

#include "sbi/batch_augmentation.h"
#include "testing/random_matrix.h"

namespace sbi {
namespace {

// The group {identity, g}: g reverses x and maps θ to (-θ_0, θ_1 + 1) in θ's own units.
std::vector<simulators::Symmetry> reversal(int x_dim) {
  simulators::Symmetry g;
  g.name = "reverse";
  for (int i = 0; i < x_dim; ++i) g.x_from.push_back(x_dim - 1 - i);
  g.map_theta = [](Eigen::Ref<Eigen::VectorXd> t) {
    t[0] = -t[0];
    t[1] += 1;
  };
  return {g};
}

TEST(BatchAugmentation, EachPairIsItselfOrItsImageAboutEquallyOften) {
  Standardizer theta_norm;
  theta_norm.mean = Eigen::Vector2d(0.5, -2.0);
  theta_norm.std = Eigen::Vector2d(2.0, 0.25);
  const long n = 4000;
  const Eigen::MatrixXd theta = testing::standard_normal_matrix(2, n, 1);
  const Eigen::MatrixXd x = testing::standard_normal_matrix(3, n, 2);
  BatchAugmentation augmentation(reversal(3), theta_norm, std::nullopt, 7);
  EXPECT_EQ(augmentation.group_order(), 2);
  augmentation.begin_epoch(3);
  Eigen::MatrixXd theta_a = theta, x_a = x;
  augmentation.apply(&theta_a, &x_a);
  long mapped = 0;
  for (long j = 0; j < n; ++j) {
    if (theta_a.col(j) == theta.col(j) && x_a.col(j) == x.col(j)) continue;
    ++mapped;
    EXPECT_EQ(x_a.col(j), x.col(j).reverse());
    // In θ's own units: θ_0 = 0.5 + 2 t_0 -> -θ_0, θ_1 = -2 + 0.25 t_1 -> θ_1 + 1.
    const double raw0 = 0.5 + 2 * theta(0, j), raw1 = -2.0 + 0.25 * theta(1, j);
    EXPECT_NEAR(0.5 + 2 * theta_a(0, j), -raw0, 1e-12);
    EXPECT_NEAR(-2.0 + 0.25 * theta_a(1, j), raw1 + 1, 1e-12);
  }
  // Binomial(4000, 1/2): sd 32 pairs; 5 sd.
  EXPECT_NEAR(static_cast<double>(mapped), n / 2.0, 160);
  // The same epoch replayed draws the same elements; another epoch others.
  augmentation.begin_epoch(3);
  Eigen::MatrixXd theta_b = theta, x_b = x;
  augmentation.apply(&theta_b, &x_b);
  EXPECT_EQ(theta_b, theta_a);
  EXPECT_EQ(x_b, x_a);
  augmentation.begin_epoch(4);
  theta_b = theta;
  x_b = x;
  augmentation.apply(&theta_b, &x_b);
  EXPECT_NE(theta_b, theta_a);
  // A replica draws its own elements.
  BatchAugmentation replica = augmentation.for_replica(1);
  replica.begin_epoch(3);
  theta_b = theta;
  x_b = x;
  replica.apply(&theta_b, &x_b);
  EXPECT_NE(theta_b, theta_a);
}

TEST(BatchAugmentation, NoneLeavesTheBatchAlone) {
  BatchAugmentation none;
  EXPECT_FALSE(none.enabled());
  Eigen::MatrixXd theta = testing::standard_normal_matrix(2, 5, 1), x = testing::standard_normal_matrix(3, 5, 2);
  const Eigen::MatrixXd theta0 = theta, x0 = x;
  none.apply(&theta, &x);
  EXPECT_EQ(theta, theta0);
  EXPECT_EQ(x, x0);
}

}  // namespace
}  // namespace sbi
