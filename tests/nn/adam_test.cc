#include <gtest/gtest.h>

#include "nn/adam.h"

namespace sbi::nn {
namespace {

TEST(Adam, FirstStepMovesEachWeightByTheLearningRate) {
  // With bias correction, the first Adam step is -lr * g / (|g| + eps) = -lr * sign(g).
  Matrix w(1, 3), g(1, 3);
  w << 1.0, 2.0, 3.0;
  g << 0.5, -4.0, 1e-3;
  Adam adam({{"w", &w, &g}}, AdamOptions{0.1});
  adam.step();
  EXPECT_NEAR(w(0), 0.9, 1e-6);
  EXPECT_NEAR(w(1), 2.1, 1e-6);
  EXPECT_NEAR(w(2), 2.9, 1e-4);
}

TEST(Adam, MinimisesAQuadratic) {
  // L = 0.5 |w - t|^2 has its minimum at t.
  Matrix w = Matrix::Zero(2, 2), g(2, 2), t(2, 2);
  t << 1.0, -2.0, 0.5, 3.0;
  Adam adam({{"w", &w, &g}}, AdamOptions{0.05});
  for (int i = 0; i < 2000; ++i) {
    g = w - t;
    adam.step();
  }
  EXPECT_LT((w - t).norm(), 1e-3);
}

TEST(ClipGradNorm, ScalesToTheMaximumNorm) {
  Matrix w1(1, 2), g1(1, 2), w2(1, 1), g2(1, 1);
  g1 << 3.0, 0.0;
  g2 << 4.0;
  Parameters p{{"a", &w1, &g1}, {"b", &w2, &g2}};
  EXPECT_DOUBLE_EQ(clip_grad_norm(p, 1.0), 5.0);
  EXPECT_NEAR(g1(0), 0.6, 1e-12);
  EXPECT_NEAR(g2(0), 0.8, 1e-12);
  EXPECT_NEAR(clip_grad_norm(p, 10.0), 1.0, 1e-12);  // under the limit: unchanged
  EXPECT_NEAR(g2(0), 0.8, 1e-12);
}

}  // namespace
}  // namespace sbi::nn
