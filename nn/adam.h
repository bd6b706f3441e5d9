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
  // The moments and the step are double whatever precision the network's passes run in:
  // with float moments, float32 training's C2ST on two_moons was worse in each of 4 seeds
  // (by 0.007 on average; bench/README.md, "The README's accuracy table in float32"), for
  // a gain of 6% of its speed.
};

class Adam {
 public:
  // Borrows `params`; they must outlive the optimiser and keep their shapes.
  Adam(const Parameters& params, const AdamOptions& options);

  // One update from the gradients currently in the buffers, each multiplied by
  // `gradient_scale` as it is read (clip_scale's factor: clipping without a pass of its
  // own). The buffers are left as they are. Elementwise, on elementwise_threads: the same
  // bits for any number of threads.
  void step(double gradient_scale = 1.0);

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
  struct StepConstants {
    double step_size, correction2, decay, scale;
  };
  void slice_step(const ParameterSlice& slice, const StepConstants& k);

  Parameters params_;
  std::vector<ParameterSlice> slices_;  // the units of work of a step
  AdamOptions options_;
  Eigen::ArrayXd m_, v_;  // the moments of all parameters, in parameter order
  long t_ = 0;
};

// The joint L2 norm of all gradients.
double gradient_norm(const Parameters& params);

// The factor that brings gradients of joint norm `norm` down to max_norm: 1 when
// max_norm <= 0 (no clipping) or norm <= max_norm.
double clip_scale(double norm, double max_norm);

// Scales all gradients so that their joint L2 norm is at most max_norm (no-op if
// max_norm <= 0). Returns the norm before clipping.
double clip_grad_norm(const Parameters& params, double max_norm);

}  // namespace sbi::nn
