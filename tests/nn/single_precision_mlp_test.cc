// The networks in single precision compute the double network's function up to float
// rounding, for every activation, residual and plain, with and without the AVX-512 products
// (nn/gemm.h): FloatMlp (nn/float_mlp.h, the inference copy; its residual ReLU blocks take
// the fused path) and Mlp's own single-precision passes (MlpCache::precision = kFloat32,
// nn/mlp_single.cc: outputs, input gradients and weight gradients).
#include <gtest/gtest.h>

#include <cmath>

#include "core/rng.h"
#include "nn/float_mlp.h"
#include "nn/gemm.h"
#include "nn/mlp.h"

namespace sbi::nn {
namespace {

Matrix random_matrix(long rows, long cols, core::Rng* rng) {
  Matrix m(rows, cols);
  for (Eigen::Index i = 0; i < m.size(); ++i) m.data()[i] = rng->normal();
  return m;
}

double max_abs(const Matrix& m) { return m.cwiseAbs().maxCoeff(); }

const Activation kActivations[] = {Activation::kReLU, Activation::kTanh, Activation::kSiLU,
                                   Activation::kELU};

// 5 inputs, 4 outputs, 2 hidden layers (or residual blocks) of 48.
MlpOptions small_network(Activation act, bool residual) {
  MlpOptions o;
  o.in = 5;
  o.out = 4;
  o.hidden = 48;
  o.num_layers = 2;
  o.activation = act;
  o.residual = residual;
  return o;
}

TEST(FloatMlp, MatchesTheDoubleNetworkForEveryActivation) {
  const bool saved = wide_gemm_enabled();
  for (bool wide : {true, false}) {
    set_wide_gemm_enabled(wide);
    for (Activation act : kActivations)
      for (bool residual : {true, false}) {
        core::Rng rng(7);
        const Mlp mlp(small_network(act, residual), &rng);
        const Matrix x = random_matrix(5, 70, &rng);
        MlpCache cache;
        const Matrix expected = mlp.forward(x, &cache);
        FloatMlpWork work;
        const MatrixF got = FloatMlp(mlp).forward(x.cast<float>(), &work);
        // float rounding of ~10 sums of 48 terms of order 1: a few 1e-6 relative.
        EXPECT_LT(max_abs(got.cast<double>() - expected), 1e-5 * max_abs(expected))
            << activation_name(act) << (residual ? " residual" : " plain")
            << (wide ? " (kernel)" : " (Eigen)");
      }
  }
  set_wide_gemm_enabled(saved);
}

TEST(MlpSingle, ForwardAndBackwardMatchTheDoubleNetwork) {
  const bool saved = wide_gemm_enabled();
  for (bool wide : {true, false}) {
    set_wide_gemm_enabled(wide);
    for (Activation act : kActivations)
      for (bool residual : {true, false}) {
        SCOPED_TRACE(activation_name(act) + (residual ? " residual" : " plain") +
                     (wide ? " (kernel)" : " (Eigen)"));
        const MlpOptions o = small_network(act, residual);
        core::Rng init64(7), init32(7), data(8);
        Mlp mlp64(o, &init64);
        Mlp mlp32(o, &init32);  // the same weights, passes in float below
        const Matrix x = random_matrix(5, 70, &data);
        const Matrix grad_y = random_matrix(4, 70, &data);

        MlpCache c64, c32;
        c32.precision = Precision::kFloat32;
        const Matrix y64 = mlp64.forward(x, &c64);
        const Matrix y32 = mlp32.forward(x, &c32);
        // float rounding of ~10 sums of 48 terms of order 1: a few 1e-6 relative; a layer
        // skipped or a bias dropped is off by O(1).
        EXPECT_LT(max_abs(y32 - y64), 1e-5 * max_abs(y64));
        EXPECT_GT(max_abs(y32 - y64), 0.0);  // it did run in float

        Matrix gx64, gx32;
        zero_grad(mlp64.parameters());
        zero_grad(mlp32.parameters());
        mlp64.backward(&c64, grad_y, &gx64);
        mlp32.backward(&c32, grad_y, &gx32);
        EXPECT_LT(max_abs(gx32 - gx64), 1e-5 * max_abs(gx64));
        const Vector g64 = flatten_grads(mlp64.parameters());
        const Vector g32 = flatten_grads(mlp32.parameters());
        // Weight gradients sum 70 products each: rounding ~1e-6 of the largest.
        EXPECT_LT((g32 - g64).cwiseAbs().maxCoeff(), 1e-5 * g64.cwiseAbs().maxCoeff());

        // Gradients accumulate (a second backward adds, as in double), and without
        // param_grads only the input gradient is written.
        mlp32.backward(&c32, grad_y, nullptr);
        EXPECT_LT((flatten_grads(mlp32.parameters()) - 2 * g32).cwiseAbs().maxCoeff(),
                  1e-6 * g32.cwiseAbs().maxCoeff());
        Matrix gx_only;
        mlp32.backward(&c32, grad_y, &gx_only, false);
        EXPECT_EQ(gx_only, gx32);
        EXPECT_LT((flatten_grads(mlp32.parameters()) - 2 * g32).cwiseAbs().maxCoeff(),
                  1e-6 * g32.cwiseAbs().maxCoeff());
      }
  }
  set_wide_gemm_enabled(saved);
}

// A network without hidden layers (one Dense), also with no inputs (learned constants).
TEST(MlpSingle, OneLayerAndNoInputNetworks) {
  for (int in : {0, 3}) {
    MlpOptions o;
    o.in = in;
    o.out = 2;
    o.num_layers = 0;
    core::Rng a(3), b(3), data(4);
    Mlp mlp64(o, &a);
    Mlp mlp32(o, &b);
    const Matrix x = random_matrix(in, 9, &data), grad_y = random_matrix(2, 9, &data);
    MlpCache c64, c32;
    c32.precision = Precision::kFloat32;
    EXPECT_LT(max_abs(mlp32.forward(x, &c32) - mlp64.forward(x, &c64)), 1e-6);
    zero_grad(mlp64.parameters());
    zero_grad(mlp32.parameters());
    Matrix gx64, gx32;
    mlp64.backward(&c64, grad_y, &gx64);
    mlp32.backward(&c32, grad_y, &gx32);
    ASSERT_EQ(gx32.rows(), in);
    if (in > 0) {
      EXPECT_LT(max_abs(gx32 - gx64), 1e-5);
    }
    EXPECT_LT((flatten_grads(mlp32.parameters()) - flatten_grads(mlp64.parameters()))
                  .cwiseAbs()
                  .maxCoeff(),
              1e-5);
  }
}

}  // namespace
}  // namespace sbi::nn
