// Adam (Kingma & Ba 2015) with bias correction, and global gradient-norm clipping.
#pragma once

#include <vector>

#include "nn/parameter.h"

namespace sbi::nn {

struct AdamOptions {
  double learning_rate = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double epsilon = 1e-8;
  double weight_decay = 0.0;  // decoupled (AdamW, Loshchilov & Hutter 2019); 0 = plain Adam
  // The arithmetic of each step's quotient m̂ / (sqrt(v̂) + eps): kFloat32 for networks that
  // train in float (nn/mlp.h), where it costs a third of double's divisions and roots
  // (the weights and moments stay double either way).
  Precision precision = Precision::kFloat64;
};

class Adam {
 public:
  // Borrows `params`; they must outlive the optimiser and keep their shapes.
  Adam(const Parameters& params, const AdamOptions& options);

  // One update from the gradients currently in the buffers (which it does not clear).
  void step();

  void set_learning_rate(double lr) { options_.learning_rate = lr; }
  long steps() const { return t_; }

  // The moments (flattened in parameter order) and the step count, for training checkpoints.
  struct State {
    Vector m, v;
    long steps = 0;
  };
  State state() const;
  void set_state(const State& state);  // throws core::Error for moments of another size

 private:
  void float_step(size_t i, double step_size, double correction2);
  static constexpr long kChunk = 512;  // float_step's elements at a time

  Parameters params_;
  AdamOptions options_;
  std::vector<Matrix> m_, v_;
  Eigen::ArrayXf denominator_;  // kFloat32's scratch, one chunk
  long t_ = 0;
};

// Scales all gradients so that their joint L2 norm is at most max_norm (no-op if
// max_norm <= 0). Returns the norm before clipping.
double clip_grad_norm(const Parameters& params, double max_norm);

}  // namespace sbi::nn
