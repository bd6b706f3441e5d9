// A single-precision copy of an Mlp for inference: the same layers and activations, the
// weights rounded to float once, and a forward pass whose matrix products run in float
// (twice the numbers per vector instruction of double). Sampling and log-densities of the
// coupling flows may use it (flows/coupling_flow.h, `inference_precision`); training never
// does. Its outputs differ from the double network's by float rounding (relative ~1e-6).
#pragma once

#include <vector>

#include "nn/mlp.h"

namespace sbi::nn {

// What one thread's forward pass reuses from call to call.
struct FloatMlpWork {
  MatrixF h, a, b, output;
};

class FloatMlp {
 public:
  explicit FloatMlp(const Mlp& mlp);

  // y = mlp(x) for x in single precision; returns work->output.
  const MatrixF& forward(const MatrixF& x, FloatMlpWork* work) const;

 private:
  struct Layer {
    MatrixF weight;
    Eigen::VectorXf bias;
  };
  // y = W x + b.
  static void dense(const Layer& layer, const MatrixF& x, MatrixF* y);

  MlpOptions options_;
  std::vector<Layer> layers_;
};

}  // namespace sbi::nn
