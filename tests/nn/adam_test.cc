#include <gtest/gtest.h>

#include <omp.h>

#include <deque>
#include <string>
#include <utility>
#include <vector>

#include "core/rng.h"
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

TEST(ClipScale, IsTheFactorThatClipGradNormApplies) {
  EXPECT_EQ(clip_scale(3.0, 5.0), 1.0);   // under the limit
  EXPECT_EQ(clip_scale(50.0, 0.0), 1.0);  // clipping off
  EXPECT_NEAR(clip_scale(10.0, 5.0), 0.5, 1e-12);
  Matrix w(1, 2), g(1, 2);
  g << 3.0, 4.0;
  EXPECT_DOUBLE_EQ(gradient_norm({{"w", &w, &g}}), 5.0);
}

// Adam::step(scale) reads each gradient times `scale`: the same weights, bit for bit, as
// clipping the buffers first (clip_grad_norm) and stepping with scale 1; the buffers
// themselves are left unscaled.
TEST(Adam, AScaledStepEqualsClippingTheBuffersFirst) {
  Matrix w1(3, 2), w2(3, 2), g1(3, 2), g2(3, 2);
  w1 << 1, -2, 3, 0.5, -0.25, 4;
  w2 = w1;
  const AdamOptions o{0.05};
  const Parameters p1{{"w", &w1, &g1}}, p2{{"w", &w2, &g2}};
  Adam clipped_first(p1, o), scaled(p2, o);
  for (int step = 0; step < 5; ++step) {
    g1 << 3, -4, 0.1 * step, 2, -1, 7;  // norm ~9.1 > 2: clipped on every step
    g2 = g1;
    const double norm = clip_grad_norm(p1, 2.0);
    clipped_first.step();
    scaled.step(clip_scale(gradient_norm(p2), 2.0));
    EXPECT_DOUBLE_EQ(norm, gradient_norm(p2));  // g2 untouched
  }
  EXPECT_EQ(w1, w2);
  EXPECT_NE(w1(0), 1.0);
}

// state() and set_state() continue a run exactly, as a resumed checkpoint needs.
TEST(Adam, StateRoundTripContinuesTheRunExactly) {
  Matrix w1(2, 2), g1(2, 2), w2(2, 2), g2(2, 2);
  w1 << 0.5, -1, 2, 3;
  const AdamOptions o{0.1};
  const Parameters p1{{"w", &w1, &g1}}, p2{{"w", &w2, &g2}};
  Adam first(p1, o);
  for (int step = 0; step < 3; ++step) {
    g1 << 1.0 / (step + 1), -0.3, 2.5, -0.7 * step;
    first.step();
  }
  Adam second(p2, o);
  second.set_state(first.state());
  w2 = w1;
  for (int step = 0; step < 3; ++step) {
    g1 << 0.2 * step, 1.1, -0.4, 0.9;
    g2 = g1;
    first.step();
    second.step();
  }
  EXPECT_EQ(w1, w2);
  EXPECT_EQ(first.state().m, second.state().m);
  EXPECT_EQ(second.steps(), 6);
}

// Parameters of an odd size mix, large enough (> 32768 values) for the elementwise passes to
// use threads, with Gaussian values and gradients from a fixed seed.
struct ManyParameters {
  explicit ManyParameters(std::uint64_t seed) {
    core::Rng rng(seed, 0);
    for (auto [rows, cols] : {std::pair{130, 129}, {7, 1}, {257, 100}, {3, 3}, {1000, 1}}) {
      values.push_back(Matrix(rows, cols));
      grads.push_back(Matrix(rows, cols));
      for (Matrix* m : {&values.back(), &grads.back()})
        for (long i = 0; i < m->size(); ++i) m->data()[i] = rng.normal();
    }
    for (size_t i = 0; i < values.size(); ++i)
      params.push_back({"p" + std::to_string(i), &values[i], &grads[i]});
  }
  std::deque<Matrix> values, grads;  // stable addresses
  Parameters params;
};

TEST(SliceParameters, CoverEveryElementOnceInFlatOrder) {
  const ManyParameters many(1);
  const std::vector<ParameterSlice> slices = slice_parameters(many.params, 4096);
  long next_offset = 0;
  for (const ParameterSlice& s : slices) {
    EXPECT_EQ(s.offset, next_offset);
    EXPECT_LT(s.begin, s.end);
    EXPECT_LE(s.end - s.begin, 4096);
    EXPECT_LE(s.end, many.params[s.index].value->size());
    EXPECT_TRUE(s.begin == 0 || s.begin % 4096 == 0);
    next_offset += s.end - s.begin;
  }
  EXPECT_EQ(next_offset, count_scalars(many.params));
  EXPECT_GT(count_scalars(many.params), 32768);  // threads are used below
}

// Adam's step, the gradient norm and zeroing run their elements on threads: the weights,
// moments and norm are the same bits with 1 and with 2 threads.
TEST(Adam, TheSameBitsForAnyNumberOfThreads) {
  const int saved = omp_get_max_threads();
  std::vector<Matrix> weights;
  std::vector<double> norms;
  for (int threads : {1, 2}) {
    omp_set_num_threads(threads);
    ManyParameters many(7);
    AdamOptions o{0.01};
    o.weight_decay = 0.1;
    Adam adam(many.params, o);
    for (int step = 0; step < 4; ++step) {
      norms.push_back(gradient_norm(many.params));
      adam.step(clip_scale(norms.back(), 100.0));
      for (Matrix& g : many.grads) g = g.array().sin() + 0.1 * step;
    }
    zero_grad(many.params);
    for (const Matrix& g : many.grads) EXPECT_TRUE((g.array() == 0.0).all());
    weights.insert(weights.end(), many.values.begin(), many.values.end());
  }
  const size_t half = weights.size() / 2;
  for (size_t i = 0; i < half; ++i) EXPECT_EQ(weights[i], weights[half + i]) << "parameter " << i;
  for (size_t i = 0; i < 4; ++i) EXPECT_EQ(norms[i], norms[4 + i]);
  EXPECT_LT(norms[0], 100.0 * 100.0);
  omp_set_num_threads(saved);
}

}  // namespace
}  // namespace sbi::nn
