// FloatMlp (nn/float_mlp.h) computes its Mlp's function in single precision: for every
// activation, residual and plain, with and without the AVX-512 products (nn/gemm.h; the
// residual ReLU blocks take the fused path there).
#include "nn/float_mlp.h"

#include <gtest/gtest.h>

#include "core/rng.h"
#include "nn/gemm.h"

namespace sbi::nn {
namespace {

TEST(FloatMlp, MatchesTheDoubleNetworkForEveryActivation) {
  const bool saved = wide_gemm_enabled();
  for (bool wide : {true, false}) {
    set_wide_gemm_enabled(wide);
    for (Activation act : {Activation::kReLU, Activation::kTanh, Activation::kSiLU, Activation::kELU})
      for (bool residual : {true, false}) {
        MlpOptions o;
        o.in = 5;
        o.out = 4;
        o.hidden = 48;
        o.num_layers = 2;
        o.activation = act;
        o.residual = residual;
        core::Rng rng(7);
        const Mlp mlp(o, &rng);
        Matrix x(5, 70);
        for (Eigen::Index i = 0; i < x.size(); ++i) x.data()[i] = rng.normal();
        MlpCache cache;
        const Matrix expected = mlp.forward(x, &cache);
        FloatMlpWork work;
        const MatrixF got = FloatMlp(mlp).forward(x.cast<float>(), &work);
        // float rounding of ~10 sums of 48 terms of order 1: a few 1e-6 relative.
        const double scale = expected.cwiseAbs().maxCoeff();
        EXPECT_LT((got.cast<double>() - expected).cwiseAbs().maxCoeff(), 1e-5 * scale)
            << activation_name(act) << (residual ? " residual" : " plain")
            << (wide ? " (kernel)" : " (Eigen)");
      }
  }
  set_wide_gemm_enabled(saved);
}

}  // namespace
}  // namespace sbi::nn
